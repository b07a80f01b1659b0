/**
 * The built-in snapshot source, loaded the way the CLI loads it (`resolveSource('snapshot:FILE')`)
 * and driven through the orchestrator: DescribePartners field names in, observations out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterTarget } from '../src/contract.js'
import { type Diagnostic, InputError } from '../src/input/diagnostics.js'
import { clusterKey } from '../src/model/cluster.js'
import { observeClusters, type ObserveResult } from '../src/observe/orchestrator.js'
import { resolveSource } from '../src/observe/source-registry.js'
import { located, yamlLines } from './helpers/cli.js'

const ACCOUNT = '123456789012'
const target = (cluster: string, region = 'eu-west-1', accountId = ACCOUNT): ClusterTarget => ({ accountId, region, cluster })
const TARGETS = [target('prod'), target('gone'), target('locked'), target('late'), target('forgotten')]

const SNAPSHOT = {
  version: 1,
  capturedAt: '2026-11-24T10:00:00Z',
  clusters: [
    {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      cluster: 'prod',
      PartnerIntegrationInfoList: [
        {
          DatabaseName: 'dev',
          PartnerName: 'Fivetran',
          Status: 'RuntimeFailure',
          StatusMessage: 'Sync failed',
          CreatedAt: '2026-01-01T00:00:00Z',
          UpdatedAt: '2026-11-20T08:00:00Z',
        },
        { DatabaseName: 'dev', PartnerName: 'Stitch', Status: 'Active' },
      ],
    },
    { accountId: ACCOUNT, region: 'eu-west-1', cluster: 'gone', error: { code: 'ClusterNotFound', message: 'Cluster gone not found.' } },
    {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      cluster: 'locked',
      error: { code: 'UnauthorizedPartnerIntegration', message: 'The partner integration is not authorized.', requestId: 'req-7' },
    },
    { accountId: ACCOUNT, region: 'eu-west-1', cluster: 'late', capturedAt: '2026-11-25T00:00:00Z', PartnerIntegrationInfoList: [] },
  ],
}

/** The same snapshot written as YAML, as someone editing it by hand would. */
const SNAPSHOT_YAML = yamlLines(
  'version: 1',
  'capturedAt: "2026-11-24T10:00:00Z"',
  'clusters:',
  `  - {accountId: "${ACCOUNT}", region: eu-west-1, cluster: prod, PartnerIntegrationInfoList: [`,
  '      {DatabaseName: dev, PartnerName: Fivetran, Status: RuntimeFailure, StatusMessage: Sync failed,',
  '       CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-11-20T08:00:00Z"},',
  '      {DatabaseName: dev, PartnerName: Stitch, Status: Active}]}',
  `  - accountId: "${ACCOUNT}"`,
  '    region: eu-west-1',
  '    cluster: gone',
  '    error: {code: ClusterNotFound, message: Cluster gone not found.}',
  `  - accountId: "${ACCOUNT}"`,
  '    region: eu-west-1',
  '    cluster: locked',
  '    error: {code: UnauthorizedPartnerIntegration, message: The partner integration is not authorized., requestId: req-7}',
  `  - {accountId: "${ACCOUNT}", region: eu-west-1, cluster: late, capturedAt: "2026-11-25T00:00:00Z", PartnerIntegrationInfoList: []}`,
)

let dir = ''

/**
 * Writes the snapshot next to the others and observes `targets` through it, as `check --source snapshot:NAME` does.
 * A snapshot that cannot be used stops the run before any cluster: then there are diagnostics and no observation.
 */
async function observeWith(name: string, content: string, targets = TARGETS): Promise<ObserveResult & { diagnostics: Diagnostic[] }> {
  await writeFile(join(dir, name), content)
  const { source, options } = await resolveSource(`snapshot:${name}`)
  try {
    return { ...(await observeClusters({ source, options, targets, concurrency: 2, cwd: dir })), diagnostics: [] }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return { observations: new Map(), stats: { source: 'snapshot', clusters: targets.length, elapsedMs: 0 }, diagnostics: error.diagnostics }
  }
}

const snapshot = suite('snapshot source')

snapshot.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'partner-drift-snapshot-'))
})

snapshot.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

snapshot('observations are mapped from the DescribePartners field names', async () => {
  const { observations, diagnostics, stats } = await observeWith('snap.json', JSON.stringify(SNAPSHOT, null, 2))
  assert.equal(diagnostics, [])
  assert.equal(observations.get(clusterKey(target('prod'))), {
    kind: 'observed',
    observedAt: '2026-11-24T10:00:00Z',
    integrations: [
      { database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure', statusMessage: 'Sync failed', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-11-20T08:00:00Z' },
      { database: 'dev', partner: 'Stitch', status: 'Active' },
    ],
  })
  assert.equal({ source: stats.source, clusters: stats.clusters }, { source: 'snapshot', clusters: 5 })
})

snapshot('ClusterNotFound is not-found; any other recorded error is an error with its request id', async () => {
  const { observations } = await observeWith('snap.json', JSON.stringify(SNAPSHOT))
  assert.equal(observations.get(clusterKey(target('gone'))), { kind: 'not-found', observedAt: '2026-11-24T10:00:00Z', message: 'Cluster gone not found.' })
  assert.equal(observations.get(clusterKey(target('locked'))), {
    kind: 'error',
    code: 'UnauthorizedPartnerIntegration',
    // The source is a field: the orchestrator names the source it asked, as the snapshot recorded none.
    message: 'The partner integration is not authorized.',
    requestId: 'req-7',
    source: 'snapshot',
  })
})

snapshot('capturedAt of a cluster overrides the snapshot-wide one', async () => {
  const { observations } = await observeWith('snap.json', JSON.stringify(SNAPSHOT))
  assert.equal(observations.get(clusterKey(target('late'))), { kind: 'observed', observedAt: '2026-11-25T00:00:00Z', integrations: [] })
})

snapshot('a declared cluster the snapshot does not have is an error, never in sync', async () => {
  const { observations } = await observeWith('snap.json', JSON.stringify(SNAPSHOT), [target('forgotten'), target('prod', 'us-east-1'), target('prod', 'eu-west-1', '210987654321')])
  for (const t of [target('forgotten'), target('prod', 'us-east-1'), target('prod', 'eu-west-1', '210987654321')]) {
    const observation = observations.get(clusterKey(t))
    assert.is(observation?.kind, 'error')
    if (observation?.kind !== 'error') continue
    assert.is(observation.code, 'NotInSnapshot')
    assert.match(observation.message, /not captured in snapshot snap\.json/)
    assert.ok(observation.hint)
  }
})

snapshot('a YAML snapshot gives exactly the observations of the JSON one', async () => {
  const recorded = TARGETS.filter((t) => t.cluster !== 'forgotten')
  const fromJson = await observeWith('snap.json', JSON.stringify(SNAPSHOT), recorded)
  const fromYaml = await observeWith('snap.yaml', SNAPSHOT_YAML, recorded)
  assert.equal(fromYaml.diagnostics, [])
  assert.equal(Object.fromEntries(fromYaml.observations), Object.fromEntries(fromJson.observations))
  assert.is(fromYaml.observations.size, 4)
})

snapshot('an invalid snapshot: no cluster is observed, and every mistake comes back located', async () => {
  const { observations, diagnostics } = await observeWith(
    'bad.yaml',
    yamlLines(
      'version: 1',
      'capturedAt: yesterday',
      'clusters:',
      '  - accountId: 123456789012',
      '    region: eu-west-1',
      '    cluster: prod',
      '    PartnerIntegrationInfoList:',
      '      - DatabaseName: dev',
      '        PartnerName: Fivetran',
      '        Status: 42',
      '        UpdatedAt: 2026-11-20',
      `  - accountId: "${ACCOUNT}"`,
      '    region: eu-west-1',
      '    cluster: gone',
    ),
    [target('prod'), target('gone')],
  )
  assert.equal(located(diagnostics), [
    { code: 'schema', path: 'capturedAt', line: 2, column: 13 },
    { code: 'schema', path: 'clusters[0].accountId', line: 4, column: 16 },
    { code: 'schema', path: 'clusters[0].PartnerIntegrationInfoList[0].Status', line: 10, column: 17 },
    { code: 'schema', path: 'clusters[0].PartnerIntegrationInfoList[0].UpdatedAt', line: 11, column: 20 },
    { code: 'schema', path: 'clusters[1]', line: 12, column: 5 },
  ])
  assert.ok(diagnostics.every((d) => d.file === 'bad.yaml'))
  assert.match(diagnostics[1].hint ?? '', /quote it: "123456789012"/)
  assert.is(observations.size, 0)
})

snapshot('a cluster recorded twice is refused, naming the first entry', async () => {
  const entry = (status: string): string[] => [
    `  - accountId: "${ACCOUNT}"`,
    '    region: eu-west-1',
    '    cluster: prod',
    `    PartnerIntegrationInfoList: [{DatabaseName: dev, PartnerName: Fivetran, Status: ${status}}]`,
  ]
  const { observations, diagnostics } = await observeWith(
    'twice.yaml',
    yamlLines('version: 1', 'capturedAt: "2026-11-24T10:00:00Z"', 'clusters:', ...entry('Active'), ...entry('Inactive')),
    [target('prod')],
  )
  assert.equal(located(diagnostics), [{ code: 'duplicate-cluster', path: 'clusters[1]', line: 8, column: 5 }])
  assert.match(diagnostics[0].message, /first at twice\.yaml:4:5/)
  assert.is(observations.size, 0)
})

snapshot('a snapshot file that does not exist: the run stops with one located read problem', async () => {
  const { source, options } = await resolveSource('snapshot:nowhere.json')
  const error = await observeClusters({ source, options, targets: [target('prod'), target('gone')], concurrency: 1, cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.instance(error, InputError)
  const { diagnostics } = error as InputError
  assert.equal(located(diagnostics), [{ code: 'read', path: '', line: 1, column: 1 }])
  assert.match(diagnostics[0].message, /nowhere\.json: no such file/)
})

snapshot.run()
