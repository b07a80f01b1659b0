import { readdir } from 'node:fs/promises'

import { SOURCE_CONTRACT_VERSION, type SourceDefinition } from '../contract.js'
import { closest, type Diagnostic, InputError } from '../input/diagnostics.js'
import { parseDocumentText } from '../input/document.js'
import { checkAgainstSchema } from '../input/schema-check.js'

/** A source the CLI can use, and where it came from. */
export interface AvailableSource {
  name: string
  origin: 'built-in' | 'package'
  /** Package name for sources from installed packages. */
  packageName?: string
  load(): Promise<SourceDefinition<any>>
}

/** A problem with the command line or the set of installed sources (not with the manifest). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'SourceError'
  }
}

// dist/src/observe/ -> dist/plugins/
const BUILT_IN_DIR = new URL('../../plugins/', import.meta.url)

/**
 * Built-in sources are the folders of `plugins/`. Only their names are read here: a
 * source module (and whatever SDK it uses) is imported only when that source is chosen.
 */
export async function listSources(): Promise<AvailableSource[]> {
  const entries = await readdir(BUILT_IN_DIR, { withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, origin: 'built-in' as const, load: () => importSource(new URL(`${name}/index.js`, BUILT_IN_DIR).href, name) }))
}

async function importSource(specifier: string, label: string): Promise<SourceDefinition<any>> {
  const module = (await import(specifier)) as { default?: SourceDefinition; source?: SourceDefinition }
  const definition = module.default ?? module.source
  if (!definition || typeof definition.open !== 'function' || typeof definition.name !== 'string') {
    throw new SourceError(`${label} does not export a partner-drift source`, 'a source module exports defineSource({...}) as its default export')
  }
  checkContractVersion(definition, label)
  return definition
}

/** Majors must match; a source built for an older minor still works (minors only add optional members). */
export function checkContractVersion(definition: SourceDefinition<any>, label = definition.name): void {
  const [major, minor] = String(definition.contractVersion).split('.').map(Number)
  const [coreMajor, coreMinor] = SOURCE_CONTRACT_VERSION.split('.').map(Number)
  if (major !== coreMajor || Number.isNaN(minor) || minor > coreMinor) {
    throw new SourceError(
      `source "${definition.name}" (${label}) implements source contract ${definition.contractVersion}, but this partner-drift implements ${SOURCE_CONTRACT_VERSION}`,
      major !== coreMajor
        ? `install a version of the source built for contract ${coreMajor}.x, or a partner-drift that implements ${definition.contractVersion}`
        : `upgrade partner-drift to one that implements contract ${definition.contractVersion}`,
    )
  }
}

/** `snapshot:examples/snapshot.json` -> name `snapshot`, shorthand argument `examples/snapshot.json`. */
export function parseSourceSpec(spec: string): { name: string; argument?: string } {
  const colon = spec.indexOf(':')
  return colon === -1 ? { name: spec } : { name: spec.slice(0, colon), argument: spec.slice(colon + 1) }
}

/** Resolves `--source` and `--source-option key=value` into a loaded source and its validated options. */
export async function resolveSource(
  spec: string,
  optionPairs: string[] = [],
): Promise<{ source: SourceDefinition<any>; options: Record<string, unknown> }> {
  const { name, argument } = parseSourceSpec(spec)
  const available = await listSources()
  const matches = available.filter((s) => s.name === name)
  if (matches.length === 0) {
    const names = available.map((s) => s.name)
    const suggestion = closest(name, names)
    throw new SourceError(
      `unknown source "${name}"; available: ${names.join(', ') || 'none'}`,
      suggestion ? `did you mean "${suggestion}"?` : 'run `partner-drift sources` to list them',
    )
  }
  const source = await matches[0].load()
  const options: Record<string, unknown> = {}
  if (argument !== undefined) {
    if (!source.options?.shorthand) throw new SourceError(`source "${name}" takes no argument after "${name}:"`, `use --source ${name}`)
    options[source.options.shorthand] = argument
  }
  for (const pair of optionPairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new SourceError(`--source-option "${pair}" is not key=value`, 'write it as --source-option key=value')
    options[pair.slice(0, eq)] = coerce(pair.slice(eq + 1))
  }
  if (source.options?.schema) {
    // Options come from the command line, so they are located as a small YAML document of their own.
    const doc = parseDocumentText(JSON.stringify(options, null, 1), `source ${name} options`)
    const problems: Diagnostic[] = checkAgainstSchema(doc, source.options.schema, options)
    if (problems.length > 0) throw new InputError(problems)
  }
  return { source, options }
}

/** Numbers and booleans written on the command line become numbers and booleans. */
function coerce(value: string): unknown {
  if (value === 'true' || value === 'false') return value === 'true'
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value)
  return value
}
