import type { SourceDefinition } from '../contract.js'
import type { LocatedDocument } from '../input/document.js'
import { checkAgainstSchema, type JsonSchema } from '../input/schema-check.js'
import { SourceError } from './source-error.js'

/**
 * Builds the options object from `NAME:ARG` and `key=value` pairs and checks it against the
 * source's schema before the source runs. Values are typed by the schema (`maxAttempts=5` is
 * a number where the schema says number, `path=5` stays a string where it says string).
 */
export function sourceOptions(source: SourceDefinition<any>, argument: string | undefined, optionPairs: readonly string[]): Record<string, unknown> {
  const name = source.name
  const schema = source.options?.schema
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>
  const options: Record<string, unknown> = {}
  const setBy = new Map<string, string>()
  if (argument !== undefined) {
    const shorthand = source.options?.shorthand
    if (!shorthand) throw new SourceError('source-argument', `source "${name}" takes no argument after "${name}:"`, `use --source ${name}, and --source-option KEY=VALUE for its options`)
    options[shorthand] = coerceOption(argument, properties[shorthand])
    setBy.set(shorthand, `--source ${name}:`)
  }
  for (const pair of optionPairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new SourceError('source-option-syntax', `--source-option "${pair}" is not KEY=VALUE`, 'write it as --source-option key=value')
    const key = pair.slice(0, eq)
    const earlier = setBy.get(key)
    if (earlier) throw new SourceError('source-option-repeated', `option "${key}" of source "${name}" is given twice (${earlier} and --source-option ${key}=)`, 'give each option once')
    options[key] = coerceOption(pair.slice(eq + 1), properties[key])
    setBy.set(key, '--source-option')
  }
  if (!schema) return options

  let problems
  try {
    problems = checkAgainstSchema(commandLineDocument(options), schema, options)
  } catch (error) {
    throw new SourceError('invalid-options-schema', `source "${name}" has an invalid options schema: ${(error as Error).message}`, 'report this to the author of the source')
  }
  if (problems.length === 0) return options
  const lines = problems.map((d) => {
    const key = d.path.split(/[.[]/)[0]
    const where = key ? `${setBy.get(key) ?? '--source-option'} ${d.path}` : `source ${name}`
    return `  ${where}: ${d.message}${d.hint ? `\n    hint: ${d.hint}` : ''}`
  })
  const shorthand = source.options?.shorthand
  throw new SourceError(
    'invalid-source-options',
    `invalid options for source "${name}":\n${lines.join('\n')}`,
    `${shorthand ? `set "${shorthand}" with --source ${name}:VALUE and others` : 'set options'} with --source-option KEY=VALUE; \`partner-drift sources\` lists the options of every source`,
  )
}

/** Options have no file; their diagnostics are rendered by flag instead of by position. */
function commandLineDocument(value: unknown): LocatedDocument {
  return { file: '<command line>', value, diagnostics: [], locate: () => ({ line: 1, column: 1 }), isNumberNode: () => false }
}

function coerceOption(raw: string, property: JsonSchema | undefined): unknown {
  const types = [property?.type].flat().filter((t): t is string => typeof t === 'string')
  if (types.length === 0 || types.includes('string')) return raw
  if ((types.includes('number') || types.includes('integer')) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw)
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true'
  if (types.includes('array') || types.includes('object')) {
    try {
      return JSON.parse(raw)
    } catch {
      return raw
    }
  }
  return raw
}
