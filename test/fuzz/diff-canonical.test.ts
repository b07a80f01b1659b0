/**
 * Fuzz :: the diff report's canonical YAML of a cluster, written entry by entry, against the
 * yaml library writing the whole document (what it replaced): byte for byte, for names and
 * values that YAML must quote (numbers, booleans, indicators, `: `, ` #`, quotes, long or
 * non-ASCII text), several values for one partner, and empty maps.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { type ClusterDocument, canonicalWriter } from '../../src/report/render/diff.js'
import { escapeControl } from '../../src/untrusted-text.js'
import { yaml } from '../../src/vendor/yaml.js'
import { fuzzParameters, RUNS } from './helpers/harness.js'

const test = suite('fuzz :: diff canonical YAML')

/** Text as names and statuses come (every one passes through escapeControl first, as in the renderer). */
const name = fc
  .oneof(
    fc.constantFrom('dev', 'Fivetran', 'Active', '222222222222', '0x1F', '1e3', 'true', 'null', '~', '-', '- a', '? x', 'a: b', 'a #b', '#c', '"q"', "'q'", '[x]', '{y}', '*a', '&b', '!t', '|', '>', '%d', '@u', '`b`', '---', '...', ' lead', 'trail ', '', 'été', '✓', '__proto__', 'a\\nb', 'x'.repeat(1100)),
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 12 }),
  )
  .map(escapeControl)

const partners = fc.array(fc.tuple(name, fc.oneof({ weight: 5, arbitrary: name }, { weight: 1, arbitrary: fc.array(name, { minLength: 2, maxLength: 3 }) })), { maxLength: 6 }).map((entries) => new Map(entries))

const clusterDocument: fc.Arbitrary<ClusterDocument> = fc.record(
  {
    cluster: name,
    accountId: name,
    region: name,
    state: name,
    databases: fc.array(fc.tuple(name, partners), { maxLength: 4 }).map((entries) => new Map(entries)),
  },
  { requiredKeys: ['cluster', 'accountId', 'region'] },
)

test('written entry by entry, it is what the yaml library writes for the whole document', () => {
  // One writer for every case, as for every cluster of a report: what it remembers must never leak between documents.
  const canonical = canonicalWriter()
  fc.assert(
    fc.property(clusterDocument, (document) => {
      assert.is(canonical(document), yaml().stringify(document, { sortMapEntries: true, lineWidth: 0 }))
    }),
    fuzzParameters(RUNS * 10),
  )
})

test.run()
