/**
 * The diff engine: desired state (through the real loader) and observations in, findings out.
 * Every finding kind, severity, staleness measured from observedAt, order, and the report's
 * summary, outcome and exit code.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterObservation, ObservedIntegration } from '../src/contract.js'
import { computeFindings } from '../src/diff/compute-findings.js'
import type { Finding } from '../src/model/finding.js'
import type { DesiredState } from '../src/manifest/desired-state.js'
import { clusterKey } from '../src/model/cluster.js'
import { buildReport } from '../src/check.js'
import { desiredFrom, yamlLines } from './helpers/cli.js'

const ACCOUNT = '123456789012'
const REGION = 'eu-west-1'
const OBSERVED_AT = '2026-11-24T10:00:00Z'

/**
 * One cluster `prod` with four databases; every test observes some of it. Lines:
 * 5 defaults.absent, 7 cluster prod, 9 dev, 10 dev.absent, 12 Fivetran, 13 Stitch,
 * 16 Datacoral, 17 sales, 20 quiet, 23 reports.
 */
const PROD = yamlLines(
  'version: 1',
  'defaults:',
  `  accountId: "${ACCOUNT}"`,
  `  region: ${REGION}`,
  '  absent: [Segment]',
  'clusters:',
  '  - cluster: prod',
  '    databases:',
  '      - database: dev',
  '        absent: [Hevo]',
  '        partners:',
  '          - partner: Fivetran',
  '          - partner: Stitch',
  '            maxStatusAge: 7d',
  '            status: [Active, Inactive]',
  '          - partner: Datacoral',
  '      - database: sales',
  '        extra: warn',
  '        partners: []',
  '      - database: quiet',
  '        extra: ignore',
  '        partners: []',
  '      - database: reports',
  '        partners: []',
)

function integration(database: string, partner: string, status = 'Active', more: Partial<ObservedIntegration> = {}): ObservedIntegration {
  return { database, partner, status, ...more }
}

function observedProd(...integrations: ObservedIntegration[]): Map<string, ClusterObservation> {
  return observations(['prod', { kind: 'observed', observedAt: OBSERVED_AT, integrations }])
}

function observations(...entries: Array<[cluster: string, observation: ClusterObservation, account?: string, region?: string]>): Map<string, ClusterObservation> {
  return new Map(entries.map(([cluster, observation, accountId = ACCOUNT, region = REGION]) => [clusterKey({ accountId, region, cluster }), observation]))
}

/** Every expected integration of PROD present and healthy. */
const HEALTHY_PROD = [
  integration('dev', 'Fivetran'),
  integration('dev', 'Stitch', 'Active', { updatedAt: '2026-11-23T10:00:00Z' }),
  integration('dev', 'Datacoral'),
]

/** Findings reduced to what a test table states: kind, severity, place, location line. */
function brief(findings: Finding[]): Array<[string, string, string, string, number | undefined]> {
  return findings.map((f) => [f.kind, f.severity, f.database ?? '', f.partner ?? '', f.location?.line])
}

const diff = suite('findings :: computeFindings')

diff('in sync: every expected integration present with an allowed status, nothing else', () => {
  const result = computeFindings(desiredFrom(PROD), observedProd(...HEALTHY_PROD))
  assert.equal(result.findings, [])
  assert.equal({ clusters: result.clusters, expected: result.expected, observed: result.observed, inSync: result.inSync }, { clusters: 1, expected: 3, observed: 3, inSync: 3 })
})

diff('missing: expected and not present, located at the partner entry', () => {
  const result = computeFindings(desiredFrom(PROD), observedProd(HEALTHY_PROD[0], HEALTHY_PROD[1]))
  assert.equal(brief(result.findings), [['missing', 'fail', 'dev', 'Datacoral', 16]])
  const [missing] = result.findings
  assert.equal(missing.expected, { status: ['Active'] })
  assert.is(missing.observed, undefined)
  assert.equal(missing.location, { file: 'm.yaml', line: 16, column: 13 })
  assert.equal({ accountId: missing.accountId, region: missing.region, cluster: missing.cluster }, { accountId: ACCOUNT, region: REGION, cluster: 'prod' })
  assert.is(result.inSync, 2)
})

diff('missing because ClusterNotFound: every expected integration, with the cause', () => {
  const result = computeFindings(
    desiredFrom(PROD),
    observations(['prod', { kind: 'not-found', observedAt: OBSERVED_AT, message: 'Cluster prod not found.' }]),
  )
  assert.equal(brief(result.findings), [
    ['missing', 'fail', 'dev', 'Datacoral', 16],
    ['missing', 'fail', 'dev', 'Fivetran', 12],
    ['missing', 'fail', 'dev', 'Stitch', 13],
  ])
  for (const finding of result.findings) {
    assert.equal(finding.cause, { code: 'ClusterNotFound' })
    assert.match(finding.message, /cluster not found \(Cluster prod not found\.\)/)
  }
  assert.equal(result.findings[2].expected, { status: ['Active', 'Inactive'], maxStatusAge: '7d' })
})

diff('missing because ClusterNotFound: one cluster-level finding when nothing is expected on it', () => {
  const desired = desiredFrom(yamlLines('version: 1', `defaults: {accountId: "${ACCOUNT}", region: ${REGION}}`, 'clusters:', '  - cluster: gone', '    databases:', '      - database: dev', '        partners: []'))
  const result = computeFindings(desired, observations(['gone', { kind: 'not-found', observedAt: OBSERVED_AT, message: 'Cluster gone not found.' }]))
  assert.equal(brief(result.findings), [['missing', 'fail', '', '', 4]])
  assert.equal(result.findings[0].cause, { code: 'ClusterNotFound' })
  assert.match(result.findings[0].message, /cluster not found/)
})

diff('extra: severity from the database setting, else from the cluster; ignore reports nothing', () => {
  const desired = desiredFrom(PROD)
  const result = computeFindings(
    desired,
    observedProd(
      ...HEALTHY_PROD,
      integration('dev', 'Matillion'), // dev inherits extra: fail
      integration('sales', 'Matillion'), // sales: warn
      integration('quiet', 'Matillion'), // quiet: ignore
      integration('scratch', 'Matillion'), // not in the manifest: the cluster's fail
    ),
  )
  assert.equal(brief(result.findings), [
    ['extra', 'fail', 'dev', 'Matillion', 9],
    ['extra', 'warn', 'sales', 'Matillion', 17],
    ['extra', 'fail', 'scratch', 'Matillion', 7],
  ])
  assert.equal(result.findings[0].observed, { status: 'Active' })
  assert.match(result.findings[2].message, /database scratch is not in the manifest/)
  assert.not.match(result.findings[0].message, /not in the manifest/)
  assert.is(result.observed, 7)
})

diff('extra on an unlisted database follows the cluster setting (warn, ignore)', () => {
  const manifest = (extra: string): DesiredState =>
    desiredFrom(yamlLines('version: 1', `defaults: {accountId: "${ACCOUNT}", region: ${REGION}, extra: fail}`, 'clusters:', '  - cluster: prod', `    extra: ${extra}`))
  const seen = observedProd(integration('scratch', 'Upsolver'))
  assert.equal(brief(computeFindings(manifest('warn'), seen).findings), [['extra', 'warn', 'scratch', 'Upsolver', 4]])
  assert.equal(computeFindings(manifest('ignore'), seen).findings, [])
})

diff('forbidden: absent at database, cluster or defaults level, located at the absent entry', () => {
  const desired = desiredFrom(
    yamlLines(
      'version: 1',
      'defaults:',
      `  accountId: "${ACCOUNT}"`,
      `  region: ${REGION}`,
      '  absent: [Segment]', // 5: Segment at column 12
      'clusters:',
      '  - cluster: prod',
      '    absent: [Stitch]', // 8: Stitch at column 14
      '    extra: ignore',
      '    databases:',
      '      - database: dev',
      '        absent: [Hevo]', // 12: Hevo at column 18
      '      - database: sales',
    ),
  )
  const result = computeFindings(
    desired,
    observedProd(
      integration('dev', 'Hevo'),
      integration('dev', 'Segment'),
      integration('dev', 'Stitch', 'Inactive'),
      integration('sales', 'Hevo'), // absent on dev only; extra: ignore here
      integration('scratch', 'Segment'), // unlisted database: cluster and defaults absent still apply
      integration('scratch', 'Stitch'),
      integration('scratch', 'Hevo'),
    ),
  )
  assert.equal(
    result.findings.map((f) => [f.kind, f.severity, f.database, f.partner, f.location?.line, f.location?.column]),
    [
      ['forbidden', 'fail', 'dev', 'Hevo', 12, 18],
      ['forbidden', 'fail', 'dev', 'Segment', 5, 12],
      ['forbidden', 'fail', 'dev', 'Stitch', 8, 14],
      ['forbidden', 'fail', 'scratch', 'Segment', 5, 12],
      ['forbidden', 'fail', 'scratch', 'Stitch', 8, 14],
    ],
  )
  assert.equal(result.findings[2].observed, { status: 'Inactive' })
  assert.match(result.findings[2].message, /listed as absent/)
})

diff('unhealthy: carries the observed status, status message and timestamps', () => {
  const failing = integration('dev', 'Fivetran', 'RuntimeFailure', {
    statusMessage: 'Sync failed: password authentication failed',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-11-24T06:00:00Z',
  })
  const result = computeFindings(desiredFrom(PROD), observedProd(failing, HEALTHY_PROD[1], HEALTHY_PROD[2]))
  assert.equal(brief(result.findings), [['unhealthy', 'fail', 'dev', 'Fivetran', 12]])
  const [unhealthy] = result.findings
  assert.equal(unhealthy.observed, {
    status: 'RuntimeFailure',
    statusMessage: 'Sync failed: password authentication failed',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-11-24T06:00:00Z',
  })
  assert.equal(unhealthy.expected, { status: ['Active'] })
  assert.match(unhealthy.message, /RuntimeFailure/)
  assert.match(unhealthy.message, /Sync failed: password authentication failed/)
})

diff('allowed status list: any listed status is healthy, others are not', () => {
  const stitch = (status: string): ObservedIntegration => integration('dev', 'Stitch', status, { updatedAt: '2026-11-23T10:00:00Z' })
  const desired = desiredFrom(PROD)
  assert.equal(computeFindings(desired, observedProd(HEALTHY_PROD[0], stitch('Inactive'), HEALTHY_PROD[2])).findings, [])
  const result = computeFindings(desired, observedProd(HEALTHY_PROD[0], stitch('ConnectionFailure'), HEALTHY_PROD[2]))
  assert.equal(brief(result.findings), [['unhealthy', 'fail', 'dev', 'Stitch', 13]])
  assert.equal(result.findings[0].expected, { status: ['Active', 'Inactive'], maxStatusAge: '7d' })
})

diff('stale: UpdatedAt older than maxStatusAge, measured from observedAt', () => {
  const stitchUpdated = (updatedAt: string): ObservedIntegration[] => [HEALTHY_PROD[0], integration('dev', 'Stitch', 'Active', { updatedAt, createdAt: '2026-11-24T00:00:00Z' }), HEALTHY_PROD[2]]
  const desired = desiredFrom(PROD)
  // Exactly seven days old is still fresh; one second more is stale.
  assert.equal(computeFindings(desired, observedProd(...stitchUpdated('2026-11-17T10:00:00Z'))).findings, [])
  const result = computeFindings(desired, observedProd(...stitchUpdated('2026-11-17T09:59:59Z')))
  assert.equal(brief(result.findings), [['stale', 'fail', 'dev', 'Stitch', 13]])
  assert.equal(result.findings[0].observed?.updatedAt, '2026-11-17T09:59:59Z')
  assert.match(result.findings[0].message, /7d/)
})

diff('stale: the clock is observedAt, not the time the test runs', () => {
  const desired = desiredFrom(PROD)
  const old = new Map([[clusterKey({ accountId: ACCOUNT, region: REGION, cluster: 'prod' }), {
    kind: 'observed' as const,
    observedAt: '2020-01-08T00:00:00Z',
    integrations: [HEALTHY_PROD[0], integration('dev', 'Stitch', 'Active', { updatedAt: '2020-01-02T00:00:00Z' }), HEALTHY_PROD[2]],
  }]])
  assert.equal(computeFindings(desired, old).findings, [])
})

diff('stale: CreatedAt is used when UpdatedAt is absent', () => {
  const desired = desiredFrom(PROD)
  const created = (createdAt: string): Map<string, ClusterObservation> => observedProd(HEALTHY_PROD[0], integration('dev', 'Stitch', 'Active', { createdAt }), HEALTHY_PROD[2])
  assert.equal(computeFindings(desired, created('2026-11-20T00:00:00Z')).findings, [])
  const result = computeFindings(desired, created('2026-01-01T00:00:00Z'))
  assert.equal(brief(result.findings), [['stale', 'fail', 'dev', 'Stitch', 13]])
  assert.equal(result.findings[0].observed, { status: 'Active', createdAt: '2026-01-01T00:00:00Z' })
})

diff('stale: no timestamp at all fails closed', () => {
  const result = computeFindings(desiredFrom(PROD), observedProd(HEALTHY_PROD[0], integration('dev', 'Stitch'), HEALTHY_PROD[2]))
  assert.equal(brief(result.findings), [['stale', 'fail', 'dev', 'Stitch', 13]])
  assert.match(result.findings[0].message, /no UpdatedAt or CreatedAt/)
})

diff('an integration is one finding at most: a disallowed status is unhealthy, not also stale', () => {
  const result = computeFindings(desiredFrom(PROD), observedProd(HEALTHY_PROD[0], integration('dev', 'Stitch', 'RuntimeFailure'), HEALTHY_PROD[2]))
  assert.equal(brief(result.findings), [['unhealthy', 'fail', 'dev', 'Stitch', 13]])
})

diff('error: one finding per cluster with its cause, and nothing else about that cluster', () => {
  const result = computeFindings(
    desiredFrom(PROD),
    observations(['prod', { kind: 'error', code: 'AccessDenied', message: 'not authorized to DescribePartners', requestId: 'req-1', hint: 'grant redshift:DescribePartners' }]),
  )
  assert.equal(brief(result.findings), [['error', 'fail', '', '', 7]])
  const [error] = result.findings
  assert.equal(error.cause, { code: 'AccessDenied', requestId: 'req-1', hint: 'grant redshift:DescribePartners' })
  assert.match(error.message, /AccessDenied/)
  assert.match(error.message, /req-1/)
  assert.is(result.expected, 3)
  assert.is(result.observed, 0)
})

diff('a declared cluster with no observation at all is an error', () => {
  const result = computeFindings(desiredFrom(PROD), new Map())
  assert.equal(brief(result.findings), [['error', 'fail', '', '', 7]])
  assert.is(result.findings[0].cause?.code, 'NotObserved')
})

diff('observations of clusters the manifest does not declare are not looked at', () => {
  const seen = observedProd(...HEALTHY_PROD)
  for (const [key, value] of observations(['other', { kind: 'observed', observedAt: OBSERVED_AT, integrations: [integration('dev', 'Matillion')] }])) seen.set(key, value)
  assert.equal(computeFindings(desiredFrom(PROD), seen).findings, [])
})

/** Three clusters in two accounts, declared in an order that is not the sorted one. */
const FLEET = yamlLines(
  'version: 1',
  `defaults: {accountId: "${ACCOUNT}", region: ${REGION}}`,
  'clusters:',
  '  - cluster: zeta',
  '    databases:',
  '      - database: dev',
  '        partners: [{partner: Stitch}, {partner: Fivetran}]',
  '  - cluster: alpha',
  '    accountId: "999999999999"',
  '  - cluster: alpha',
  '    region: ap-south-1',
  '    databases:',
  '      - database: zz',
  '        partners: [{partner: Fivetran}]',
  '      - database: aa',
  '        partners: [{partner: Fivetran}]',
)

function fleetObservations(reverse: boolean): Map<string, ClusterObservation> {
  const order = <T>(items: T[]): T[] => (reverse ? [...items].reverse() : items)
  return observations(
    ...order<[string, ClusterObservation, string?, string?]>([
      ['zeta', { kind: 'observed', observedAt: OBSERVED_AT, integrations: order([integration('dev', 'Stitch', 'Inactive'), integration('dev', 'Airbyte'), integration('dev', 'Fivetran', 'Inactive')]) }],
      ['alpha', { kind: 'error', code: 'Throttling', message: 'slow down' }, '999999999999'],
      ['alpha', { kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }, ACCOUNT, 'ap-south-1'],
    ]),
  )
}

diff('deterministic order: account, region, cluster, database, partner, whatever the input order', () => {
  const desired = desiredFrom(FLEET)
  const forward = computeFindings(desired, fleetObservations(false))
  const backward = computeFindings(desired, fleetObservations(true))
  assert.equal(
    forward.findings.map((f) => [f.accountId, f.region, f.cluster, f.database ?? '', f.partner ?? '', f.kind]),
    [
      [ACCOUNT, 'ap-south-1', 'alpha', 'aa', 'Fivetran', 'missing'],
      [ACCOUNT, 'ap-south-1', 'alpha', 'zz', 'Fivetran', 'missing'],
      [ACCOUNT, REGION, 'zeta', 'dev', 'Airbyte', 'extra'],
      [ACCOUNT, REGION, 'zeta', 'dev', 'Fivetran', 'unhealthy'],
      [ACCOUNT, REGION, 'zeta', 'dev', 'Stitch', 'unhealthy'],
      ['999999999999', REGION, 'alpha', '', '', 'error'],
    ],
  )
  assert.equal(backward.findings, forward.findings)
})

diff('a short list of items and a long one are judged alike: duplicates, extras, forbidden, counts', () => {
  // Duplicates of expected and undeclared places, interleaved: every kind the diff makes of them.
  const drift = [
    integration('dev', 'Fivetran'),
    integration('sales', 'Airbyte'),
    integration('dev', 'Stitch', 'Active', { updatedAt: '2026-11-23T10:00:00Z' }),
    integration('dev', 'Fivetran', 'RuntimeFailure'),
    integration('dev', 'Hevo'),
    integration('sales', 'Airbyte', 'Inactive'),
    integration('reports', 'Segment'),
  ]
  // Past sixteen items the diff groups them in maps: the same drift, plus in-sync noise that changes nothing.
  const noise = Array.from({ length: 12 }, (_, i) => integration('quiet', `Partner${i}`))
  const short = computeFindings(desiredFrom(PROD), observedProd(...drift, integration('dev', 'Datacoral')))
  const long = computeFindings(desiredFrom(PROD), observedProd(...drift, ...noise, integration('dev', 'Datacoral')))
  const expected = [
    ['unhealthy', 'fail', 'dev', 'Fivetran', 12],
    ['forbidden', 'fail', 'dev', 'Hevo', 10],
    ['forbidden', 'fail', 'reports', 'Segment', 5],
    ['extra', 'warn', 'sales', 'Airbyte', 17],
  ]
  assert.equal(brief(short.findings), expected)
  assert.equal(brief(long.findings), expected)
  assert.match(short.findings[3]!.message, 'status Active, Inactive')
  assert.match(short.findings[3]!.message, 'the source reported it 2 times')
  assert.equal(long.findings, short.findings)
  assert.equal([short.observed, short.inSync, long.observed, long.inSync], [6, 2, 18, 2])
})

diff('fingerprints: one per identity, independent of message and position', () => {
  const findings = computeFindings(desiredFrom(FLEET), fleetObservations(false)).findings
  assert.ok(findings.every((f) => /^[0-9a-f]{32}$/.test(f.fingerprint)))
  assert.is(new Set(findings.map((f) => f.fingerprint)).size, findings.length)
  // The same drift found from a manifest written differently keeps its fingerprint.
  const moved = desiredFrom(yamlLines('# moved down a line', FLEET.replace('[{partner: Stitch}, {partner: Fivetran}]', '[{partner: Fivetran}, {partner: Stitch}]')))
  const again = computeFindings(moved, fleetObservations(false)).findings
  assert.not.equal(again.map((f) => f.location), findings.map((f) => f.location))
  assert.equal(again.map((f) => f.fingerprint), findings.map((f) => f.fingerprint))
})

diff.run()

const report = suite('findings :: buildReport and exit codes')

report('summary counts every kind, the evidence and the warnings', () => {
  const desired = desiredFrom(FLEET)
  const built = buildReport(desired, fleetObservations(false), { source: 'test' })
  const { clusters, expected, observed, inSync, missing, extra, forbidden, unhealthy, stale, errors, warnings } = built.summary
  assert.equal({ clusters, expected, observed, inSync, missing, extra, forbidden, unhealthy, stale, errors, warnings }, {
    clusters: 3,
    expected: 4,
    observed: 3,
    inSync: 0,
    missing: 2,
    extra: 1,
    forbidden: 0,
    unhealthy: 2,
    stale: 0,
    errors: 1,
    warnings: 0,
  })
  assert.is(built.version, 1)
  assert.is(built.manifest, 'm.yaml')
  assert.is(built.source, 'test')
  assert.equal(
    built.findings.map(({ remediation: _, failing: __, ...finding }) => finding),
    computeFindings(desired, fleetObservations(false)).findings,
  )
  assert.equal(
    built.findings.map((f) => f.failing),
    built.findings.map((f) => f.severity === 'fail' && !f.suppressed),
  )
  assert.equal(
    built.clusters.map((c) => [c.cluster, c.observation, c.expected.length, c.observed.length]),
    [
      ['zeta', 'observed', 2, 3],
      ['alpha', 'error', 0, 0],
      ['alpha', 'observed', 2, 0],
    ],
  )
})

report('outcome and exit code: in sync 0, drift 2, any unobserved cluster 1, warnings alone 0', () => {
  const desired = desiredFrom(PROD)
  const outcome = (observed: Map<string, ClusterObservation>): [string, number] => {
    const built = buildReport(desired, observed, { source: 'test' })
    return [built.outcome, built.exitCode]
  }
  assert.equal(outcome(observedProd(...HEALTHY_PROD)), ['in-sync', 0])
  assert.equal(outcome(observedProd(...HEALTHY_PROD, integration('sales', 'Matillion'))), ['in-sync', 0])
  assert.equal(outcome(observedProd(...HEALTHY_PROD, integration('dev', 'Matillion'))), ['drift', 2])
  assert.equal(outcome(observedProd(HEALTHY_PROD[0])), ['drift', 2])
  assert.equal(outcome(observations(['prod', { kind: 'not-found', observedAt: OBSERVED_AT, message: 'gone' }])), ['drift', 2])
  assert.equal(outcome(observations(['prod', { kind: 'error', code: 'Throttling', message: 'slow down' }])), ['incomplete', 1])
  assert.equal(outcome(new Map()), ['incomplete', 1])
})

report('warnings are counted, and an error outranks drift in the same run', () => {
  const desired = desiredFrom(FLEET.replace("  - cluster: zeta\n", '  - cluster: zeta\n    extra: warn\n'))
  const built = buildReport(desired, fleetObservations(false), { source: 'test' })
  assert.is(built.summary.warnings, 1)
  assert.equal(built.findings.filter((f) => f.severity === 'warn').map((f) => [f.kind, f.partner]), [['extra', 'Airbyte']])
  assert.is(built.outcome, 'incomplete')
  assert.is(built.exitCode, 1)
})

report.run()
