/**
 * The boundary between a source and the engine. A source is outside code: whatever it resolves
 * with is checked here against a JSON Schema of the contract's types (src/contract.ts) before
 * the diff sees it, so that a malformed answer (an unknown `kind`, `integrations` that is not a
 * list, an item without a string `status`...) can only ever become an `error`, never "observed".
 */
import type { ErrorObject } from 'ajv'

import type { ClusterObservation } from '../contract.js'
import { validatorFor } from '../input/schema-check.js'
import { excerpt } from '../untrusted-text.js'

const OBSERVATION_KINDS = ['observed', 'not-found', 'error'] as const

const text = { type: 'string' }
const timestamp = { type: 'string', format: 'rfc3339' }
const whenKind = (kind: string, then: Record<string, unknown>) => ({ if: { required: ['kind'], properties: { kind: { const: kind } } }, then })

/**
 * The contract's `ClusterObservation` as JSON Schema. Members a later contract minor may add
 * are tolerated (no `additionalProperties: false`); a wrong type never is.
 */
export const OBSERVATION_SCHEMA = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: [...OBSERVATION_KINDS] } },
  allOf: [
    whenKind('observed', {
      required: ['observedAt', 'integrations'],
      properties: {
        observedAt: timestamp,
        integrations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['database', 'partner', 'status'],
            properties: { database: text, partner: text, status: text, statusMessage: text, createdAt: text, updatedAt: text },
          },
        },
      },
    }),
    whenKind('not-found', { required: ['observedAt', 'message'], properties: { observedAt: timestamp, message: text } }),
    whenKind('error', {
      required: ['code', 'message'],
      properties: { code: { type: 'string', minLength: 1 }, message: text, requestId: text, hint: text, source: text },
    }),
  ],
} as const

/** More integrations than any cluster has: a bound on the work a broken source can cause. */
export const MAX_INTEGRATIONS = 100_000

function validate(value: unknown): ErrorObject[] {
  // Generated at build time (the `contract` set has the rfc3339 format); commands that observe nothing never load it.
  const validator = validatorFor(OBSERVATION_SCHEMA, 'contract')
  return validator(value) ? [] : (validator.errors ?? [])
}

export type ObservationCheck = { ok: true; observation: ClusterObservation } | { ok: false; problems: string[] }

/**
 * Checks what a source resolved with. On success, `observation` is a fresh plain copy holding
 * only the contract's members: each property of the source's object is read exactly once (a
 * getter cannot answer one thing to the check and another to the diff), and members the
 * contract does not know never reach the report.
 */
export function checkObservation(value: unknown): ObservationCheck {
  let copied: { copy: unknown } | { problem: string }
  try {
    copied = contractCopy(value)
  } catch (error) {
    // A proxy or getter that throws: the answer cannot be read, so it cannot count as observed.
    return { ok: false, problems: [`reading it threw ${error instanceof Error ? `${error.name}: ${excerpt(error.message, 80)}` : 'a non-error'}`] }
  }
  if ('problem' in copied) return { ok: false, problems: [copied.problem] }
  const { copy } = copied
  const errors = validate(copy)
  if (errors.length === 0) return { ok: true, observation: copy as ClusterObservation }
  return { ok: false, problems: describeErrors(errors) }
}

const MEMBERS: Readonly<Record<string, readonly string[]>> = Object.assign(Object.create(null) as Record<string, readonly string[]>, {
  observed: ['kind', 'observedAt', 'integrations'],
  'not-found': ['kind', 'observedAt', 'message'],
  error: ['kind', 'code', 'message', 'requestId', 'hint', 'source'],
})

/** A plain copy of the contract's members (anything but an object is passed on for the schema to refuse), or why there can be none. */
function contractCopy(value: unknown): { copy: unknown } | { problem: string } {
  if (!isObject(value)) return { copy: value }
  const kind = value.kind
  const members = typeof kind === 'string' && Object.hasOwn(MEMBERS, kind) ? MEMBERS[kind] : ['kind']
  const copy = pick(value, members)
  if (kind === 'observed' && Array.isArray(copy.integrations)) {
    const list = copy.integrations as unknown[]
    const length = list.length
    if (length > MAX_INTEGRATIONS) return { problem: `integrations: ${length} items; a cluster has far fewer (at most ${MAX_INTEGRATIONS} are accepted)` }
    const items: unknown[] = []
    for (let i = 0; i < length; i++) {
      const item = list[i]
      items.push(isObject(item) ? integrationCopy(item) : item)
    }
    copy.integrations = items
  }
  return { copy }
}

function pick(value: Record<string, unknown>, members: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  for (const member of members) {
    const v = value[member]
    if (v !== undefined) copy[member] = v
  }
  return copy
}

/**
 * `pick` of an integration's members (database, partner, status, statusMessage, createdAt,
 * updatedAt), written out: each read once, in that order, and set by name, which is several
 * times faster than by a computed key (one call per integration).
 */
function integrationCopy(item: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  const { database, partner, status, statusMessage, createdAt, updatedAt } = item
  if (database !== undefined) copy.database = database
  if (partner !== undefined) copy.partner = partner
  if (status !== undefined) copy.status = status
  if (statusMessage !== undefined) copy.statusMessage = statusMessage
  if (createdAt !== undefined) copy.createdAt = createdAt
  if (updatedAt !== undefined) copy.updatedAt = updatedAt
  return copy
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** At most a few problems, each as `key.path: what is wrong`; one is enough to refuse the answer. */
function describeErrors(errors: ErrorObject[]): string[] {
  const problems: string[] = []
  for (const error of errors) {
    const problem = describeError(error)
    if (problem && !problems.includes(problem)) problems.push(problem)
  }
  const shown = problems.slice(0, 3)
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`)
  return shown
}

function describeError(error: ErrorObject): string | undefined {
  // "must match then" repeats what the branch's own errors say.
  if (error.keyword === 'if') return undefined
  const path = keyPath(error.instancePath)
  const at = path ? `${path}: ` : ''
  switch (error.keyword) {
    case 'required':
      return `${at}missing "${String(error.params.missingProperty)}"`
    case 'type':
      return `${at}must be ${noun(String(error.params.type))}, not ${describeValue(error.data)}`
    case 'enum':
      return `${at}${describeValue(error.data)} is not one of ${OBSERVATION_KINDS.join(', ')}`
    case 'format':
      return `${at}${describeValue(error.data)} is not an RFC 3339 timestamp (e.g. 2026-11-24T10:00:00Z)`
    case 'minLength':
      return `${at}must not be empty`
    default:
      return `${at}${error.message ?? `fails ${error.keyword}`}`
  }
}

/** `/integrations/0/status` -> `integrations[0].status` */
function keyPath(pointer: string): string {
  if (!pointer) return ''
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '')
}

function noun(type: string): string {
  return type === 'object' ? 'an object' : type === 'array' ? 'a list' : `a ${type}`
}

/** Values come from the source: quoted as a short escaped excerpt, never whole. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return excerpt(value, 40)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return `a ${typeof value}`
}
