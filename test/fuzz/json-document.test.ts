/**
 * Fuzz :: JSON read with JSON.parse against the same text read as a YAML document (the reference,
 * and what every JSON input went through before). Where the fast reading answers, the value, every
 * position (of values and of keys, of paths that exist and of paths that stop short), and every
 * number as written must be the YAML reading's; where the YAML reading reports a problem (a key
 * written twice), the fast reading must not answer at all, so that the located error is the YAML one.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { parseDocumentBytes, parseDocumentText, parseJsonDocument, parseYamlDocument } from '../../src/input/document.js'
import { readJsonBytes, readJsonText } from '../../src/input/json-text.js'
import { fuzzParameters, runsFor } from './helpers/harness.js'
import { assertSameDocument } from './helpers/same-document.js'

const test = suite('fuzz :: JSON documents')

/** JSON as people and tools write it: compact, indented with spaces or tabs, with CRLF line ends. */
const jsonText = fc
  .record({
    value: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue())),
    indent: fc.constantFrom(0, 1, 2, '\t'),
    crlf: fc.boolean(),
  })
  .map(({ value, indent, crlf }) => {
    const text = JSON.stringify(value, null, indent)
    return crlf ? text.replaceAll('\n', '\r\n') : text
  })

/** A key written twice, a lone carriage return, or a value YAML reads as something else: what only the YAML reading may answer. */
const doubtfulText = fc.tuple(jsonText, fc.constantFrom('{"a": 1, "a": 2}', '{"k":\r1}', '{"x": [{"b": 0, "c": 1, "b": 2}]}'), fc.nat()).map(([text, odd, at]) => {
  // Into the first array or object found after `at`, or wrapped around the text.
  const open = text.indexOf('[', at % (text.length + 1))
  return open >= 0 && text[open + 1] !== ']' ? `${text.slice(0, open + 1)}${odd},${text.slice(open + 1)}` : `[${odd}, ${text}]`
})

test('fuzz :: JSON documents :: JSON.parse reads what the YAML reading reads, located the same', () => {
  fc.assert(
    fc.property(fc.oneof(jsonText, doubtfulText), (text) => {
      const reference = parseYamlDocument(text, 'f.json')
      const fast = parseJsonDocument(text, 'f.json')
      if (reference.diagnostics.length > 0) {
        assert.is(fast, undefined, 'a text the YAML reading reports a problem in is left to it')
        return
      }
      if (!fast) return
      assertSameDocument(fast, reference)
    }),
    fuzzParameters(runsFor(10, 200)),
  )
})

/**
 * What the reading in pieces must split right: arrays under the root (empty, of scalars, of
 * arrays), strings holding brackets, commas, quotes and backslashes, characters past Latin-1; a
 * byte order mark; and the same text cut, doubled or with a character dropped or added, which
 * is seldom JSON any more and must then be refused exactly when the whole text is.
 */
const piecesText = fc
  .tuple(
    fc.oneof(
      jsonText,
      fc.dictionary(fc.constantFrom('clusters', 'a', '0', '__proto__', 'x,"]'), fc.array(fc.oneof(fc.jsonValue(), fc.constantFrom('[', '],', '"\\', '\\"', '✓ ]', '{"k": [1,]}')))).map((v) => JSON.stringify(v, null, 2)),
    ),
    fc.constantFrom('', '\ufeff', ' \n'),
    fc.nat(),
    fc.constantFrom('keep', 'drop', 'add-comma', 'add-bracket', 'cut', 'double'),
  )
  .map(([text, prefix, at, change]) => {
    const i = text.length === 0 ? 0 : at % text.length
    const changed =
      change === 'drop' ? text.slice(0, i) + text.slice(i + 1)
      : change === 'add-comma' ? `${text.slice(0, i)},${text.slice(i)}`
      : change === 'add-bracket' ? `${text.slice(0, i)}]${text.slice(i)}`
      : change === 'cut' ? text.slice(0, i)
      : change === 'double' ? text + text
      : text
    return prefix + changed
  })

test('fuzz :: JSON documents :: read from the bytes in pieces, JSON is what the whole text reads', () => {
  fc.assert(
    fc.property(fc.oneof(piecesText, doubtfulText), (text) => {
      const bytes = Buffer.from(text, 'utf8')
      // The bounded reader's decoding, which drops a byte order mark.
      const decoded = new TextDecoder().decode(bytes)
      const whole = readJsonText(decoded)
      const pieces = readJsonBytes(bytes, () => decoded)
      assert.is(pieces === undefined, whole === undefined, 'read in pieces exactly when read whole')
      if (!whole || !pieces) return
      assert.equal(pieces.value, whole.value)
      assertSameDocument(parseDocumentBytes(bytes, 'f.json'), parseDocumentText(decoded, 'f.json'))
    }),
    fuzzParameters(runsFor(20, 400)),
  )
})

test('fuzz :: JSON documents :: a string left open outside the arrays is refused, not scanned for ever', () => {
  // Found by the property above: counting keys in the skeleton before it parsed looped on its open string.
  for (const text of ['{"a": "b, "c": [1, 2]}', '{"c": [1, 2], "a": "b}', '["x]', '{"clusters": [{"a": 1}], "d": "\\"}']) {
    assert.is(readJsonBytes(Buffer.from(text), () => text), undefined, text)
    assert.is(readJsonText(text), undefined, text)
  }
})

test('fuzz :: JSON documents :: a key written twice is the YAML reading\'s located error', () => {
  const text = '{\n  "clusters": [\n    { "cluster": "a", "cluster": "b" }\n  ]\n}\n'
  assert.is(parseJsonDocument(text, 'f.json'), undefined)
  const [diagnostic] = parseYamlDocument(text, 'f.json').diagnostics
  assert.equal([diagnostic.code, diagnostic.path, diagnostic.line, diagnostic.column], ['yaml-duplicate-key', 'clusters[0].cluster', 3, 23])
})

test('fuzz :: JSON documents :: well-formed JSON is read without the YAML reading', () => {
  const text = '{\r\n  "version": 1,\r\n  "clusters": [ { "cluster": "a", "n": -12.5e3 } ]\r\n}\r\n'
  const doc = parseJsonDocument(text, 'f.json')
  assert.ok(doc, 'JSON.parse answered')
  assert.equal(doc.locate(['clusters', 0, 'n']), { line: 3, column: 40 })
  assert.equal(doc.locate(['clusters', 0, 'n']), parseYamlDocument(text, 'f.json').locate(['clusters', 0, 'n']))
  assert.is(doc.numberAsWritten?.(['clusters', 0, 'n']), '-12.5e3')
})

test.run()
