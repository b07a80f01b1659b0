/**
 * RFC 3339 timestamps as the contract, snapshots and DescribePartners answers carry them: the
 * shape, and a real instant (a day of its month, leap years by the Gregorian rule).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'

import { isTimestamp, parseTimestamp } from '../src/timestamp.js'

const VALID: [string, string][] = [
  ['2026-11-24T10:00:00Z', '2026-11-24T10:00:00.000Z'],
  ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'], // divisible by 4
  ['2000-02-29T23:59:59.999Z', '2000-02-29T23:59:59.999Z'], // divisible by 400
  ['2026-01-31T01:00:00+01:00', '2026-01-31T00:00:00.000Z'],
  ['2026-04-30T00:00:00.5-02:30', '2026-04-30T02:30:00.500Z'],
  ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
]

const INVALID = [
  '2026-02-29T00:00:00Z', // not a leap year
  '2100-02-29T00:00:00Z', // divisible by 100, not by 400
  '2026-02-30T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:60:00Z',
  '2026-01-01T00:00:60Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+01:60',
  '2026-01-01 00:00:00Z',
  '2026-01-01T00:00:00',
  '',
]

test('a real instant is read as the time it names', () => {
  for (const [text, iso] of VALID) {
    const ms = parseTimestamp(text)
    assert.is(ms === undefined ? undefined : new Date(ms).toISOString(), iso, text)
    assert.ok(isTimestamp(text), text)
  }
})

test('a shape or an instant that does not exist is refused', () => {
  for (const text of INVALID) {
    assert.is(parseTimestamp(text), undefined, text)
    assert.not.ok(isTimestamp(text), text)
  }
})

test.run()
