/** RFC 3339 timestamps as the contract, snapshots and DescribePartners carry them. */

// The shape the snapshot schema accepts, and what DescribePartners returns.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp of a real instant, or undefined.
 * `2026-02-30T00:00:00Z` has the right shape and Date.parse would quietly read it as March 2,
 * so the calendar is checked too.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = RFC3339.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number)
  const offsetOk = m[8] === 'Z' || (Number(m[9]) <= 23 && Number(m[10]) <= 59)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/** The last text found valid: a source stamps every cluster of a run with one time, or a few. */
let lastValid: string | undefined

export function isTimestamp(text: string): boolean {
  if (text === lastValid) return true
  const valid = parseTimestamp(text) !== undefined
  if (valid) lastValid = text
  return valid
}
