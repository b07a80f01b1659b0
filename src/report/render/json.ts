import { jsonWithoutRawControl } from '../../untrusted-text.js'
import type { Report } from '../../model/report.js'

/** The stable machine-readable report, documented by `schemas/report.schema.json`. Values stay exact; only their encoding avoids raw control characters. */
export function renderJson(report: Report): string {
  return [...renderJsonChunks(report)].join('')
}

/**
 * Entries of `findings` and `clusters` per piece: tens of kilobytes each. A piece past V8's
 * large-object size (about 128 kB) stays in memory until a full collection: with pieces of
 * 500 entries, the report of 10,000 clusters took 40 MB more.
 */
const ENTRIES_PER_CHUNK = 20

/**
 * The text of `renderJson` in pieces, so that the report of a large estate (tens of megabytes) is
 * written as it is made instead of held, and copied, as one string. Every piece is
 * `JSON.stringify(…, null, 2)` of a part of the report, indented where that part stands, so the
 * text is byte for byte `JSON.stringify(report, null, 2)`.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  let separator = '{'
  for (const [key, value] of Object.entries(report)) {
    if (value === undefined) continue
    const head = `${separator}\n  ${JSON.stringify(key)}: `
    separator = ','
    if (!Array.isArray(value) || value.length === 0) {
      yield jsonWithoutRawControl(head + nested(value, '\n  '))
      continue
    }
    yield `${head}[`
    for (let start = 0; start < value.length; start += ENTRIES_PER_CHUNK) {
      // Entries stringified where they stand (two levels deep) in one call, and cut out of their wrapper.
      const wrapped = JSON.stringify({ [key]: value.slice(start, start + ENTRIES_PER_CHUNK) }, null, 2)
      const entries = wrapped.slice(`{\n  ${JSON.stringify(key)}: [`.length, -'\n  ]\n}'.length)
      // The comma on its own: prefixed, the piece would be copied whole once more.
      if (start > 0) yield ','
      yield jsonWithoutRawControl(entries)
    }
    yield '\n  ]'
  }
  yield '\n}\n'
}

/** A value as `JSON.stringify` writes it at that depth: its own line breaks followed by the depth's indentation (strings hold no raw line break). */
function nested(value: unknown, lineStart: string): string {
  return (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', lineStart)
}
