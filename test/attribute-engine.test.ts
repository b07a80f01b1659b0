/**
 * Attribution in the engine, with in-process sources written against the public contract: the
 * orchestrator asks `attribute()` once per account and region with findings, whatever a source
 * answers (a history, an error, something malformed, a throw) becomes each finding's `lastChange`,
 * and no answer changes a verdict.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { attributionRequests } from '../src/attribute/last-changes.js'
import { buildReport, targetsOf } from '../src/check.js'
import type { AttributionRequest, ChangeHistory, ClusterObservation, SourceDefinition } from '../src/index.js'
import { observeClusters } from '../src/observe/orchestrator.js'
import { desiredFrom } from './helpers/cli.js'

const MANIFEST = `version: 1
defaults: { accountId: "123456789012" }
clusters:
  - { cluster: a1, region: eu-west-1, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
  - { cluster: a2, region: eu-west-1, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
  - { cluster: b1, region: us-east-1, assumeRole: "arn:aws:iam::{accountId}:role/reader", databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
`
const OBSERVED: ClusterObservation = { kind: 'observed', observedAt: '2026-11-24T10:00:00Z', integrations: [{ database: 'dev', partner: 'Segment', status: 'Active' }] }

async function run(attribute: ((request: AttributionRequest) => Promise<unknown>) | undefined) {
  const desired = desiredFrom(MANIFEST)
  const asked: AttributionRequest[] = []
  const source: SourceDefinition = {
    name: 'fake',
    version: '1.0.0',
    contractVersion: '1.2',
    description: 'test',
    open: () => ({
      observe: async () => OBSERVED,
      ...(attribute ? { attribute: async (request: AttributionRequest) => (asked.push(request), (await attribute(request)) as ChangeHistory) } : {}),
    }),
  }
  const observed = await observeClusters({
    source,
    options: {},
    targets: targetsOf(desired),
    concurrency: 4,
    attribution: { requestsOf: (observations) => attributionRequests(buildReport(desired, observations, { source: 'fake' }).findings, targetsOf(desired), new Date('2026-11-24T12:00:00Z')) },
  })
  const report = buildReport(desired, observed.observations, { source: 'fake', policy: { today: '2026-11-24' }, ...(observed.attribution ? { attribution: observed.attribution } : {}) })
  return { report, asked }
}

const s = suite('attribution engine')

s('attribution :: one request per account and region, with the events its findings need and the role its clusters use', async () => {
  const { report, asked } = await run(async (request) => ({
    kind: 'history',
    changes: [
      { event: 'AddPartner', at: '2026-11-20T09:00:00Z', cluster: 'A1', database: 'dev', partner: 'Segment', principal: 'arn:aws:iam::123456789012:user/old' },
      { event: 'AddPartner', at: '2026-11-21T09:00:00+01:00', cluster: 'a1', database: 'dev', partner: 'Segment', principal: 'arn:aws:iam::123456789012:user/new' },
      { event: 'DeletePartner', at: '2026-11-22T09:00:00Z', cluster: 'a2', database: 'dev', partner: 'Fivetran', principal: 'arn:aws:iam::123456789012:user/del' },
    ].filter(() => request.region === 'eu-west-1'),
  }))
  assert.equal(
    asked.map((r) => ({ ...r })),
    [
      { accountId: '123456789012', region: 'eu-west-1', events: ['AddPartner', 'DeletePartner', 'UpdatePartnerStatus'], since: '2026-08-26T12:00:00.000Z', until: '2026-11-24T12:00:00.000Z' },
      { accountId: '123456789012', region: 'us-east-1', assumeRole: 'arn:aws:iam::123456789012:role/reader', events: ['AddPartner', 'DeletePartner', 'UpdatePartnerStatus'], since: '2026-08-26T12:00:00.000Z', until: '2026-11-24T12:00:00.000Z' },
    ],
  )
  const by = (cluster: string, kind: string) => report.findings.find((f) => f.cluster === cluster && f.kind === kind)!.lastChange
  // The latest by instant, whatever the offset it was written with; cluster identifiers compared without case.
  assert.equal(by('a1', 'extra'), { kind: 'event', event: 'AddPartner', at: '2026-11-21T08:00:00.000Z', by: 'arn:aws:iam::123456789012:user/new', actor: 'principal' })
  assert.equal(by('a2', 'missing'), { kind: 'event', event: 'DeletePartner', at: '2026-11-22T09:00:00.000Z', by: 'arn:aws:iam::123456789012:user/del', actor: 'principal' })
  assert.is(by('a1', 'missing')!.kind, 'unknown')
  assert.is((by('b1', 'extra') as { code: string }).code, 'NoRecordedChange')
  assert.is(report.exitCode, 2)
})

s('attribution :: an error, a throw, a malformed answer and no attribute() all leave lastChange unknown and the verdict alone', async () => {
  const cases: Array<[string, ((r: AttributionRequest) => Promise<unknown>) | undefined, string]> = [
    ['error', async () => ({ kind: 'error', code: 'AccessDeniedException', message: 'denied', hint: 'allow it' }), 'AccessDeniedException'],
    ['throw', async () => Promise.reject(Object.assign(new Error('boom'), { code: 'ECONNRESET' })), 'ECONNRESET'],
    ['malformed', async () => ({ kind: 'history', changes: [{ event: 'RemovePartner', at: 'yesterday', cluster: 'a1', database: 'dev', partner: 'Segment' }] }), 'InvalidAttribution'],
    ['unsupported', undefined, 'AttributionUnsupported'],
  ]
  for (const [name, attribute, code] of cases) {
    const { report } = await run(attribute)
    const codes = new Set(report.findings.map((f) => (f.lastChange?.kind === 'unknown' ? f.lastChange.code : 'none')))
    assert.equal([...codes], [code], name)
    assert.is(report.exitCode, 2, name)
    assert.is(report.summary.failing, 6, name)
  }
  const { report } = await run(async () => ({ kind: 'error', code: 'AccessDeniedException', message: 'denied', hint: 'allow it' }))
  assert.equal(report.findings[0]!.lastChange, { kind: 'unknown', code: 'AccessDeniedException', reason: 'denied (allow it)' })
})

s.run()
