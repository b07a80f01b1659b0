import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

import { EXCERPT_LENGTH, excerpt } from '../untrusted-text.js'
import { closest, type Diagnostic } from './diagnostics.js'
import { formatKeyPath, type KeyPath, type LocatedDocument } from './document.js'

export type JsonSchema = Record<string, unknown>

// One ajv instance for the process; validators are compiled on first use and cached,
// so a command pays only for the schemas it actually checks.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: false })
const compiled = new WeakMap<object, ValidateFunction>()

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  return validate
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
