import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterTarget, SourceDefinition } from '../src/contract.js'
import { observeClusters } from '../src/observe/orchestrator.js'

/**
 * What a source's stats() says is untrusted like its observations: the orchestrator keeps only
 * well-formed counts and learned rates of the run's own accounts and regions.
 */
const stats = suite('source stats')

const TARGETS: ClusterTarget[] = [
  { accountId: '222222222222', region: 'us-east-1', cluster: 'b' },
  { accountId: '111111111111', region: 'eu-west-1', cluster: 'a' },
  { accountId: '111111111111', region: 'us-east-1', cluster: 'c' },
]

/** A source observing every cluster as empty, whose stats() returns `raw` (or throws it from a getter). */
function sourceWithStats(raw: () => unknown): SourceDefinition {
  return {
    name: 'stats',
    version: '1.0.0',
    contractVersion: '1.0',
    description: 'test',
    open: () => ({
      observe: async () => ({ kind: 'observed', observedAt: '2026-11-24T10:00:00Z', integrations: [] }),
      stats: raw as () => never,
    }),
  }
}

async function statsOf(raw: () => unknown) {
  const { stats: observed } = await observeClusters({ source: sourceWithStats(raw), options: {}, targets: TARGETS, concurrency: 2 })
  const { source, clusters, elapsedMs, ...fromSource } = observed
  assert.is(source, 'stats')
  assert.is(clusters, 3)
  assert.ok(Number.isInteger(elapsedMs))
  return fromSource
}

stats('stats :: learned rates of the run\'s accounts and regions are kept, in account then region order', async () => {
  const reported = await statsOf(() => ({
    apiCalls: 3,
    rates: [
      { accountId: '222222222222', region: 'us-east-1', requestsPerSecond: 19.5 },
      { accountId: '111111111111', region: 'us-east-1', requestsPerSecond: 40 },
      { accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 0.5 },
    ],
  }))
  assert.equal(reported, {
    apiCalls: 3,
    rates: [
      { accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 0.5 },
      { accountId: '111111111111', region: 'us-east-1', requestsPerSecond: 40 },
      { accountId: '222222222222', region: 'us-east-1', requestsPerSecond: 19.5 },
    ],
  })
})

const HOSTILE: Array<{ name: string; rates: unknown }> = [
  { name: 'not a list', rates: { accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 1 } },
  { name: 'an account and region no cluster is in', rates: [{ accountId: '111111111111', region: 'ap-south-1', requestsPerSecond: 1 }] },
  { name: 'an account that only joins into a declared pair', rates: [{ accountId: '111111111111\u0000eu-west-1', region: '', requestsPerSecond: 1 }] },
  { name: 'zero', rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 0 }] },
  { name: 'negative', rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: -3 }] },
  { name: 'NaN', rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: Number.NaN }] },
  { name: 'infinite', rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: Number.POSITIVE_INFINITY }] },
  { name: 'a number as text', rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: '20' }] },
  { name: 'a number as account', rates: [{ accountId: 111111111111, region: 'eu-west-1', requestsPerSecond: 20 }] },
  { name: 'null items', rates: [null, 7, 'x'] },
  { name: 'a getter that throws', rates: [Object.defineProperty({}, 'accountId', { get: () => { throw new Error('boom') }, enumerable: true })] },
]

for (const { name, rates } of HOSTILE) {
  stats(`stats :: a rate that is ${name} is left out, and the counts stand`, async () => {
    assert.equal(await statsOf(() => ({ apiCalls: 3, throttled: 1, rates })), { apiCalls: 3, throttled: 1 })
  })
}

stats('stats :: the first rate of a pair counts; a repeat is left out', async () => {
  const reported = await statsOf(() => ({
    rates: [
      { accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 5 },
      { accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 500 },
    ],
  }))
  assert.equal(reported, { rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 5 }] })
})

stats('stats :: members the contract does not name do not reach the report', async () => {
  const reported = await statsOf(() => ({ retries: 2, rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 5, note: '\u001b[31m' }], note: 'x' }))
  assert.equal(reported, { retries: 2, rates: [{ accountId: '111111111111', region: 'eu-west-1', requestsPerSecond: 5 }] })
})

stats.run()
