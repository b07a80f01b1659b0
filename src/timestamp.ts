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
  // Numbers read one by one, days of the month computed: this runs for every timestamp of a run's observations.
  const year = +m[1]!
  const month = +m[2]!
  const day = +m[3]!
  const offsetOk = m[8] === 'Z' || (+m[9]! <= 23 && +m[10]! <= 59)
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && +m[4]! <= 23 && +m[5]! <= 59 && +m[6]! <= 59 && offsetOk)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysInMonth(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1]!
}

/** The last text found valid: a source stamps every cluster of a run with one time, or a few. */
let lastValid: string | undefined

export function isTimestamp(text: string): boolean {
  if (text === lastValid) return true
  const valid = parseTimestamp(text) !== undefined
  if (valid) lastValid = text
  return valid
}
