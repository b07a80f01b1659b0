/**
 * The boundary for attribution answers, as discovery-check.ts is for discovery: a change history
 * is outside data. It is read once, member by member, into fresh objects; anything malformed
 * (an event name the contract does not know, a time that is no instant, a change without its
 * cluster, database or partner) makes the whole answer an error, never a shorter history.
 */
import { type ChangeHistory, PARTNER_EVENTS, type PartnerChange, type PartnerEventName } from '../model/attribution.js'
import { isTimestamp } from '../timestamp.js'
import { type Checked, checkLookupError } from './discovery-check.js'

/** A bound on what a broken source can cost; CloudTrail holds far fewer partner events in 90 days. */
export const MAX_CHANGES = 100_000

type Raw = Record<string, unknown>
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)
const isText = (v: unknown): v is string => typeof v === 'string'
const EVENTS: ReadonlySet<string> = new Set(PARTNER_EVENTS)
const OPTIONAL = ['principal', 'status', 'requestId', 'eventId'] as const

export function checkChangeHistory(value: unknown): Checked<ChangeHistory> {
  try {
    if (!isRecord(value)) return fail('the answer is not an object')
    if (value.kind === 'error') return checkLookupError(value)
    if (value.kind !== 'history') return fail(`kind must be "history" or "error", not ${typeof value.kind === 'string' ? JSON.stringify(value.kind.slice(0, 40)) : typeof value.kind}`)
    const { changes } = value
    if (!Array.isArray(changes) || changes.length > MAX_CHANGES) return fail(`changes must be a list of at most ${MAX_CHANGES}`)
    const read: PartnerChange[] = []
    for (const [i, c] of changes.entries()) {
      if (!isRecord(c)) return fail(`changes[${i}] is not an object`)
      if (!isText(c.event) || !EVENTS.has(c.event)) return fail(`changes[${i}].event must be one of ${PARTNER_EVENTS.join(', ')}`)
      if (!isText(c.at) || !isTimestamp(c.at)) return fail(`changes[${i}].at must be an RFC 3339 timestamp`)
      for (const name of ['cluster', 'database', 'partner'] as const) if (!isText(c[name]) || c[name] === '') return fail(`changes[${i}].${name} must be non-empty text`)
      for (const name of OPTIONAL) if (c[name] !== undefined && !isText(c[name])) return fail(`changes[${i}].${name} must be text`)
      const change: PartnerChange = { event: c.event as PartnerEventName, at: c.at, cluster: c.cluster as string, database: c.database as string, partner: c.partner as string }
      for (const name of OPTIONAL) if (isText(c[name])) change[name] = c[name]
      read.push(change)
    }
    return { ok: true, value: { kind: 'history', changes: read } }
  } catch {
    // A getter or proxy that throws while being read is as malformed as a wrong type.
    return fail('the answer cannot be read')
  }
}

function fail(problem: string): { ok: false; problems: string[] } {
  return { ok: false, problems: [problem] }
}
