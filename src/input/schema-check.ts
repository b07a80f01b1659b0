import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import type { Ajv, ErrorObject, Format, Options, ValidateFunction } from 'ajv'

import { requireBundle } from '../code-cache.js'
import { isTimestamp } from '../timestamp.js'
import { EXCERPT_LENGTH, excerpt } from '../untrusted-text.js'
import { closest, type Diagnostic } from './diagnostics.js'
import { formatKeyPath, type KeyPath, type LocatedDocument } from './document.js'

export type JsonSchema = Record<string, unknown>

/**
 * How every validator is compiled, at build time (scripts/generate-validators.js) and at run
 * time alike: the diagnostics depend on `allErrors` (every problem at once) and `verbose`
 * (`parentSchema` and `data` in each error).
 */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const satisfies Options

/**
 * The formats a schema may use, by validator set; each set is its own ajv configuration.
 * `input`: manifests, snapshots, state files and source options, with no formats (an unknown
 * one is ignored, as ajv does with `strict: false`). `contract`: what a source resolves with.
 */
export const FORMAT_SETS = {
  input: {},
  contract: { rfc3339: { type: 'string', validate: isTimestamp } },
} as const satisfies Record<string, Record<string, Format>>
export type FormatSet = keyof typeof FORMAT_SETS

/**
 * What scripts/generate-validators.js writes beside this module, in validators/: per format set,
 * the module of each built-in schema by the schema's JSON text; each module exports a function
 * of the set's formats that returns the schema's validator.
 */
type GeneratedIndex = Record<FormatSet, Record<string, string>>
type GeneratedValidator = (formats: Record<string, Format>) => ValidateFunction

// Both the generated validators and ajv are CommonJS and loaded synchronously on first use:
// checkAgainstSchema is synchronous, and a command that checks nothing loads neither.
const require = createRequire(import.meta.url)
const GENERATED_INDEX = './validators/index.json'

let generatedIndex: GeneratedIndex | null | undefined

/** The module generated at build time for this built-in schema's JSON text in `set`, if any. */
function generatedModule(json: string, set: FormatSet): string | undefined {
  if (generatedIndex === undefined) {
    try {
      generatedIndex = require(GENERATED_INDEX) as GeneratedIndex
    } catch (error) {
      // A build by tsc alone has no generated validators; ajv then compiles the built-in schemas too.
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes('index.json')) throw error
      generatedIndex = null
    }
  }
  const modules = generatedIndex?.[set]
  return modules && Object.hasOwn(modules, json) ? modules[json] : undefined
}

function precompiledValidator(json: string, set: FormatSet): ValidateFunction | undefined {
  const module = generatedModule(json, set)
  return module === undefined ? undefined : (requireBundle(fileURLToPath(new URL(`./validators/${module.slice(2)}`, import.meta.url))) as GeneratedValidator)(FORMAT_SETS[set])
}

const ajvs = new Map<FormatSet, Ajv>()
function ajvFor(set: FormatSet): Ajv {
  let ajv = ajvs.get(set)
  if (!ajv) {
    const { Ajv } = require('ajv') as typeof import('ajv')
    ajv = new Ajv(AJV_OPTIONS)
    for (const [name, format] of Object.entries(FORMAT_SETS[set])) ajv.addFormat(name, format)
    ajvs.set(set, ajv)
  }
  return ajv
}

const validators: Record<FormatSet, WeakMap<object, ValidateFunction>> = { input: new WeakMap(), contract: new WeakMap() }

/**
 * The validator of `schema`: generated at build time for a built-in schema (found by its exact
 * JSON text, so a schema changed since the build is compiled afresh, never checked by stale
 * code); compiled by ajv for any other, such as an outside source's options. Cached per object and set.
 */
export function validatorFor(schema: JsonSchema, set: FormatSet = 'input'): ValidateFunction {
  let validate = validators[set].get(schema)
  if (!validate) {
    let json: string | undefined
    try {
      json = JSON.stringify(schema)
    } catch {
      // Not JSON (a cycle, a BigInt): ajv says what is wrong with it.
    }
    validate = (json !== undefined && precompiledValidator(json, set)) || ajvFor(set).compile(schema)
    validators[set].set(schema, validate)
  }
  return validate
}

/** Whether `schema` has a validator generated at build time (tests keep the built-in schemas covered). */
export function isPrecompiled(schema: JsonSchema, set: FormatSet = 'input'): boolean {
  return generatedModule(JSON.stringify(schema), set) !== undefined
}

/**
 * Validates `value` (by default the whole document) against a JSON Schema and turns every
 * ajv error into a located diagnostic that says what is wrong and what to do.
 * `basePath` places `value` inside the document when only a part of it is checked.
 */
export function checkAgainstSchema(
  doc: LocatedDocument,
  schema: JsonSchema,
  value: unknown = doc.value,
  basePath: KeyPath = [],
): Diagnostic[] {
  const validate = validatorFor(schema)
  if (validate(value)) return []
  const seen = new Set<string>()
  const diagnostics: Diagnostic[] = []
  for (const error of validate.errors ?? []) {
    const diagnostic = toDiagnostic(doc, error, basePath)
    if (!diagnostic) continue
    const key = `${diagnostic.line}:${diagnostic.column}:${diagnostic.message}`
    if (seen.has(key)) continue
    seen.add(key)
    diagnostics.push(diagnostic)
  }
  return diagnostics
}

/** `/clusters/0/databases` -> ['clusters', 0, 'databases'] */
function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return []
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment))
}

/**
 * "Did you mean" for words of a sensible length only: the edit distance costs the product of the
 * lengths, and a file of thousands of 10,000-character keys must not cost minutes to report.
 */
export function suggestFor(word: string, candidates: readonly string[]): string | undefined {
  return word.length <= EXCERPT_LENGTH ? closest(word, candidates) : undefined
}

/** An input value as a diagnostic shows it: a short escaped excerpt, never the whole value. */
function describe(value: unknown): string {
  if (typeof value === 'string') return excerpt(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  // Numbers and booleans are short, but a number can be written with thousands of digits.
  const shown = String(value)
  return shown.length > EXCERPT_LENGTH ? excerpt(shown) : shown
}

function toDiagnostic(doc: LocatedDocument, error: ErrorObject, basePath: KeyPath): Diagnostic | undefined {
  // if/then errors only say "must match then"; the errors of the branch itself say what is wrong.
  if (error.keyword === 'if') return undefined
  // The branches of a oneOf each fail for their own reason; the oneOf error and its description say it better.
  if (/\/oneOf\/\d+\//.test(error.schemaPath)) return undefined
  let path: KeyPath = [...basePath, ...pointerToPath(error.instancePath)]
  let pointAtKey = false
  let message: string
  let hint: string | undefined
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>
  const schemaHint = typeof parentSchema.description === 'string' ? parentSchema.description : undefined

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty)
      const allowed = Object.keys((parentSchema.properties as object | undefined) ?? {})
      path = [...path, key]
      pointAtKey = true
      message = `unknown key ${excerpt(key)}`
      const suggestion = suggestFor(key, allowed)
      hint = suggestion ? `did you mean "${suggestion}"? ` : ''
      hint += `allowed keys here: ${allowed.join(', ')}`
      break
    }
    case 'required': {
      const key = String(error.params.missingProperty)
      message = `missing required key "${key}"`
      const property = (parentSchema.properties as Record<string, { description?: string }> | undefined)?.[key]
      hint = property?.description ? `add "${key}": ${property.description}` : `add "${key}"`
      break
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String)
      message = `${describe(error.data)} is not allowed; must be one of: ${allowed.join(', ')}`
      const suggestion = typeof error.data === 'string' ? suggestFor(error.data, allowed) : undefined
      hint = suggestion ? `did you mean "${suggestion}"?` : schemaHint
      break
    }
    case 'const':
      message = `must be ${JSON.stringify(error.params.allowedValue)}, not ${describe(error.data)}`
      hint = schemaHint
      break
    case 'type': {
      const expected = String(error.params.type).replaceAll(',', ' or ')
      const noun = expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`
      // A document that is one string is a file of something else read as a scalar (a .env file
      // behind a symlink): its type says what is wrong, and none of its text is shown.
      const wholeDocument = path.length === 0 && typeof error.data === 'string'
      message = `must be ${noun}, not ${wholeDocument ? 'a string' : describe(error.data)}`
      const written = doc.isNumberNode(path) ? (doc.numberAsWritten?.(path) ?? String(error.data)) : undefined
      // Quoting is the fix for an account id, not for a number of a thousand digits.
      if (String(error.params.type).includes('string') && written !== undefined && written.length <= EXCERPT_LENGTH) {
        hint = `YAML reads an unquoted ${written} as a number (and drops leading zeros); quote it: "${written}"`
      } else {
        hint = schemaHint
      }
      break
    }
    case 'pattern':
      message = `${describe(error.data)} is not valid (must match ${String(error.params.pattern)})`
      hint = schemaHint
      break
    case 'maxLength':
    case 'minLength':
      message = `${describe(error.data)} is ${[...String(error.data)].length} characters; must be ${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${error.params.limit}`
      hint = schemaHint
      break
    case 'minItems':
      message = `must have at least ${error.params.limit} item(s)`
      hint = schemaHint
      break
    case 'uniqueItems':
      message = `items ${error.params.j} and ${error.params.i} are the same`
      path = [...path, Number(error.params.i)]
      hint = 'remove the repeated item'
      break
    default:
      message = error.message ?? `failed ${error.keyword}`
      hint = schemaHint
  }

  return {
    severity: 'error',
    code: 'schema',
    file: doc.file,
    ...doc.locate(path, { key: pointAtKey }),
    path: formatKeyPath(path),
    message,
    hint: hint || undefined,
  }
}
