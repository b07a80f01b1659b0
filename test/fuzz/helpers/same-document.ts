import * as assert from 'uvu/assert'

import type { KeyPath, LocatedDocument } from '../../../src/input/document.js'

/** Every path into a value, and for each one a path that leaves it (a missing key, an index past the end). */
export function pathsOf(value: unknown, path: KeyPath = [], out: KeyPath[] = []): KeyPath[] {
  out.push(path, [...path, 'no-such-key'], [...path, 1_000_000])
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...path, i], out))
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out)
  return out
}

/** A fast reading is the YAML reading: the same value, no problem, and every position and number as written the same. */
export function assertSameDocument(fast: LocatedDocument, reference: LocatedDocument): void {
  assert.equal(fast.value, reference.value)
  assert.equal(fast.diagnostics, [])
  for (const path of pathsOf(reference.value)) {
    assert.equal(fast.locate(path), reference.locate(path), `locate ${JSON.stringify(path)}`)
    assert.equal(fast.locate(path, { key: true }), reference.locate(path, { key: true }), `locate key ${JSON.stringify(path)}`)
    assert.is(fast.isNumberNode(path), reference.isNumberNode(path), `isNumberNode ${JSON.stringify(path)}`)
    assert.is(fast.numberAsWritten?.(path), reference.numberAsWritten?.(path), `numberAsWritten ${JSON.stringify(path)}`)
  }
}
