/**
 * Fuzz :: plain block YAML read line by line against the same text read as a YAML document (the
 * reference, and what every manifest went through before). Where the line reading answers, the
 * value, every position (of values and keys, of paths that exist and of paths that stop short) and
 * every number as written must be the YAML reading's; where the YAML reading reports a problem, the
 * line reading must not answer at all, so that the located error is the YAML one.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Document, isSeq, isScalar, visit } from 'yaml'

import { parseBlockYamlDocument, parseYamlDocument } from '../../src/input/document.js'
import { fuzzParameters, runsFor } from './helpers/harness.js'
import { assertSameDocument, pathsOf } from './helpers/same-document.js'

const test = suite('fuzz :: block YAML documents')

/** Keys and scalars a manifest has, and the ones YAML reads as something other than they look. */
const key = fc.oneof(
  { arbitrary: fc.constantFrom('cluster', 'accountId', 'region', 'databases', 'partners', 'status', 'a_b', 'x-y', 'k0', 'true', 'False', 'on'), weight: 12 },
  { arbitrary: fc.constantFrom('null', '__proto__', 'é', 'a b', '1'), weight: 1 },
)
const scalar = fc.oneof(
  { arbitrary: fc.constantFrom('Fivetran', 'eu-west-1', '123456789012', '012345678901', '1d12h', '2026-12-31', 'arn:aws:iam::{accountId}:role/x', 'Active'), weight: 6 },
  fc.constantFrom(
    'null', 'Null', '~', 'true', 'TRUE', 'no',
    '0x1F', '0o17', '.inf', '-.inf', '.nan', '1e5', '1.', '.5', '-1', '+1', '1_000', 'a: b', 'a #b', 'a#b', 'it\'s', '"q"', '', ' lead', 'trail ', 'é', '- x', '[a]', '{a}',
    '*x', '&x', '!t', '|', '>', '%', '@x', '`x', 'a\tb', 'a\nb', '...', '---', 'x,y', '\u0085', 'ü:ö',
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
})).map

/** Written as people and yaml's own writer write it: sequences indented or not, lists of scalars in flow style, comments. */
const blockText = fc
  .record({ root: value, indentSeq: fc.boolean(), flowLists: fc.boolean(), comments: fc.boolean(), indent: fc.constantFrom(2, 4) })
  .filter(({ root }) => typeof root === 'object' && root !== null && !Array.isArray(root) && Object.keys(root).length > 0)
  .map(({ root, indentSeq, flowLists, comments, indent }) => {
    const doc = new Document(root)
    if (flowLists) {
      visit(doc, {
        Seq(_, seq) {
          if (isSeq(seq) && seq.items.every((item) => isScalar(item))) seq.flow = true
        },
      })
    }
    let text = doc.toString({ indentSeq, indent, lineWidth: 0 })
    if (comments) text = `# head\n${text.replace(/\n(?=\s*\w)/g, '\n  # note\n').replace(/: (\w+)\n/g, ': $1 # why\n')}`
    return text
  })

test('fuzz :: block YAML documents :: the line reading reads what the YAML reading reads, located the same', () => {
  let answered = 0
  fc.assert(
    fc.property(blockText, (text) => {
      const reference = parseYamlDocument(text, 'f.yaml')
      const fast = parseBlockYamlDocument(text, 'f.yaml')
      if (reference.diagnostics.length > 0) {
        assert.is(fast, undefined, 'a text the YAML reading reports a problem in is left to it')
        return
      }
      if (!fast) return
      answered++
      assertSameDocument(fast, reference)
    }),
    fuzzParameters(runsFor(10, 200)),
  )
  assert.ok(answered > 0, 'the line reading answered some cases')
})

test('fuzz :: block YAML documents :: the example manifests are read line by line, and the same', () => {
  const text = [
    '# yaml-language-server: $schema=./schemas/manifest.schema.json',
    'version: 1',
    'defaults:',
    '  accountId: "123456789012"   # quoted',
    '  absent: [Segment, \'Stitch\']',
    'clusters:',
    '- cluster: analytics-prod',
    '  region: eu-west-1',
    '  databases:',
    '    - database: dev',
    '      partners:',
    '        - partner: Fivetran',
    '          status: [Active, Inactive]',
    '        - partner: Datacoral',
    '          maxStatusAge: 30d',
    '      extra: warn',
    '',
  ].join('\n')
  const fast = parseBlockYamlDocument(text, 'm.yaml')
  assert.ok(fast, 'read line by line')
  const reference = parseYamlDocument(text, 'm.yaml')
  assert.equal(fast.value, reference.value)
  for (const path of pathsOf(reference.value)) assert.equal(fast.locate(path), reference.locate(path), `locate ${JSON.stringify(path)}`)
})

test('fuzz :: block YAML documents :: a key written twice is left to the YAML reading', () => {
  assert.is(parseBlockYamlDocument('version: 1\nclusters:\n  - cluster: a\n    cluster: b\n', 'm.yaml'), undefined)
})

test.run()
