import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { requestTimeoutFor } from '../plugins/aws/describe-partners.js'
import type { Report } from '../src/model/report.js'
import { type Integration, type RedshiftTestServer, withRedshiftServer } from './helpers/redshift-server.js'
import { awsTestEnv, type CliRun, reportSchemaErrors, runCli } from './helpers/cli.js'

/**
 * The aws source end to end: the real CLI process, the real AWS SDK, real HTTP, against the
 * wire-faithful local Redshift server. Retry backoff is scaled down, never switched off.
 */
const aws = suite<{ server: RedshiftTestServer; dir: string }>('aws source')

const ACCOUNT = '123456789012'
const FAST = ['--source-option', 'retryDelayScale=0.01']

withRedshiftServer(aws, 'aws')

const fresh = (when = new Date()): string => new Date(when.getTime() - 3_600_000).toISOString()
const active = (DatabaseName: string, PartnerName: string, extra: Partial<Integration> = {}): Integration => ({
  DatabaseName,
  PartnerName,
  Status: 'Active',
  CreatedAt: '2026-01-01T00:00:00Z',
  UpdatedAt: fresh(),
  ...extra,
})

async function manifest(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}

const ONE_CLUSTER = `version: 1
defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
`

async function checkJson(server: RedshiftTestServer, file: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ run: CliRun; report: Report }> {
  const run = await runCli(['check', file, '--endpoint-url', server.url, '--format', 'json', ...FAST, ...extra], { env: awsTestEnv(env) })
  let report: Report
  try {
    report = JSON.parse(run.stdout) as Report
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`)
  }
  return { run, report }
}

aws('aws :: in sync: exit 0, exactly one unfiltered DescribePartners call', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')] })
  const { run, report } = await checkJson(server, await manifest(dir, 'sync.yaml', ONE_CLUSTER))
  assert.is(run.code, 0, run.stderr)
  assert.is(report.outcome, 'in-sync')
  assert.is(report.summary.observed, 1, 'the SDK must have parsed a non-empty list')
  assert.is(report.summary.inSync, 1)
  assert.is(server.callCount({ action: 'DescribePartners' }), 1)
  const call = server.calls[0]
  assert.equal(Object.keys(call.params).sort(), ['AccountId', 'Action', 'ClusterIdentifier', 'Version'])
  assert.is(call.region, 'eu-west-1')
  assert.is(call.accessKeyId, 'AKIDPARTNERDRIFTTEST')
  assert.is(report.stats?.apiCalls, 1)
  assert.is(report.stats?.retries, 0)
  assert.not.match(run.stderr, /NodeVersionSupportWarning|\s+at .+\.js:\d+/)
})

aws('aws :: every finding kind through the live path, exit 2', async ({ server, dir }) => {
  server.setCluster({
    accountId: ACCOUNT,
    cluster: 'analytics-prod',
    region: 'eu-west-1',
    integrations: [
      active('dev', 'Fivetran', { Status: 'RuntimeFailure', StatusMessage: 'Sync failed: bad password' }),
      active('dev', 'Segment'),
      active('sales', 'Stitch', { UpdatedAt: '2020-01-01T00:00:00Z' }),
      active('scratch', 'Upsolver'),
    ],
  })
  const file = await manifest(
    dir,
    'kinds.yaml',
    `version: 1
defaults: { accountId: "${ACCOUNT}", region: eu-west-1, maxStatusAge: 7d, absent: [Segment] }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
          - partner: Datacoral
      - database: sales
        partners:
          - partner: Stitch
`,
  )
  const { run, report } = await checkJson(server, file)
  assert.is(run.code, 2, run.stderr)
  const kinds = report.findings.map((f) => `${f.kind} ${f.database}/${f.partner}`).sort()
  assert.equal(kinds, ['extra scratch/Upsolver', 'forbidden dev/Segment', 'missing dev/Datacoral', 'stale sales/Stitch', 'unhealthy dev/Fivetran'])
  const unhealthy = report.findings.find((f) => f.kind === 'unhealthy')!
  assert.equal(unhealthy.observed?.statusMessage, 'Sync failed: bad password')
  assert.match(unhealthy.observed?.createdAt ?? '', /^2026-01-01T00:00:00(\.000)?Z$/)
  assert.is(server.callCount(), 1, 'one call gives missing, extra and unhealthy at once')
})

aws('aws :: many clusters across accounts and regions: one call each, routed by region', async ({ server, dir }) => {
  const accounts = ['111111111111', '222222222222', '333333333333']
  const regions = ['eu-west-1', 'us-east-1', 'ap-southeast-2']
  let yaml = 'version: 1\nclusters:\n'
  for (const accountId of accounts) {
    for (const region of regions) {
      for (let i = 0; i < 4; i++) {
        const cluster = `c${i}`
        // The same cluster name in every region: only region routing tells them apart.
        server.setCluster({ accountId, cluster, region, integrations: [active('dev', `P-${region}`)] })
        yaml += `  - { cluster: ${cluster}, accountId: "${accountId}", region: ${region}, databases: [{ database: dev, partners: [{ partner: P-${region} }] }] }\n`
      }
    }
  }
  const { run, report } = await checkJson(server, await manifest(dir, 'many.yaml', yaml), ['--concurrency', '8'])
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.is(report.summary.clusters, 36)
  assert.is(report.summary.inSync, 36)
  assert.is(server.callCount({ action: 'DescribePartners' }), 36)
  for (const region of regions) assert.is(server.callCount({ region }), 12)
  assert.is(report.stats?.apiCalls, 36)
})

aws('aws :: ClusterNotFound: every expected integration missing, exit 2', async ({ server, dir }) => {
  const { run, report } = await checkJson(server, await manifest(dir, 'nf.yaml', ONE_CLUSTER))
  assert.is(run.code, 2, run.stderr)
  assert.is(report.findings.length, 1)
  assert.is(report.findings[0].kind, 'missing')
  assert.is(report.findings[0].cause?.code, 'ClusterNotFound')
  assert.match(report.findings[0].message, /Cluster analytics-prod not found/)
})

aws('aws :: Unauthorized and AccessDenied are errors with code, request id and hint; others still checked; exit 1', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'ok', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')] })
  server.setCluster({ accountId: ACCOUNT, cluster: 'unauth', region: 'eu-west-1', integrations: [], behaviour: { error: { code: 'UnauthorizedPartnerIntegration' } } })
  server.setCluster({ accountId: ACCOUNT, cluster: 'denied', region: 'eu-west-1', integrations: [], behaviour: { error: { code: 'AccessDenied', message: 'not authorized to perform redshift:DescribePartners' } } })
  const entries = ['ok', 'unauth', 'denied'].map((c) => `  - { cluster: ${c}, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }`).join('\n')
  const file = await manifest(dir, 'auth.yaml', `version: 1\ndefaults: { accountId: "${ACCOUNT}", region: eu-west-1 }\nclusters:\n${entries}\n`)
  const { run, report } = await checkJson(server, file)
  assert.is(run.code, 1)
  assert.is(report.outcome, 'incomplete')
  const errors = new Map(report.findings.filter((f) => f.kind === 'error').map((f) => [f.cluster, f]))
  assert.equal([...errors.keys()].sort(), ['denied', 'unauth'])
  assert.is(errors.get('unauth')!.cause?.code, 'UnauthorizedPartnerIntegration')
  const denied = errors.get('denied')!
  assert.is(denied.cause?.code, 'AccessDenied')
  assert.match(denied.cause?.hint ?? '', /redshift:DescribePartners/)
  const answered = server.calls.find((c) => c.cluster === 'denied')!
  assert.ok(answered.requestId)
  assert.is(denied.cause?.requestId, answered.requestId, 'the request id comes from the x-amzn-RequestId header')
  assert.is(report.summary.inSync, 1, 'the healthy cluster is still checked')
})

aws('aws :: throttling bursts recover through retries, counted in the stats', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')], behaviour: { throttleFirst: 3 } })
  const { run, report } = await checkJson(server, await manifest(dir, 'throttle.yaml', ONE_CLUSTER))
  assert.is(run.code, 0, run.stderr)
  assert.is(server.callCount(), 4)
  assert.is(report.stats?.apiCalls, 4)
  assert.is(report.stats?.retries, 3)
  assert.is(report.stats?.throttled, 3)
})

aws('aws :: throttling that never recovers ends as an error after --max-attempts, exit 1', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [], behaviour: { throttleAlways: true } })
  const { run, report } = await checkJson(server, await manifest(dir, 'throttle-forever.yaml', ONE_CLUSTER), ['--max-attempts', '4', '--timeout', '20'])
  assert.is(run.code, 1)
  assert.is(report.findings[0].kind, 'error')
  assert.is(report.findings[0].cause?.code, 'Throttling')
  assert.match(report.findings[0].cause?.hint ?? '', /--concurrency/)
  assert.is(server.callCount(), 4)
})

aws('aws :: 5xx then success, and connection resets then success', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'flaky5xx', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')], behaviour: { serverErrorFirst: 2 } })
  server.setCluster({ accountId: ACCOUNT, cluster: 'reset', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')], behaviour: { resetFirst: 2 } })
  const entries = ['flaky5xx', 'reset'].map((c) => `  - { cluster: ${c}, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }`).join('\n')
  const file = await manifest(dir, 'flaky.yaml', `version: 1\ndefaults: { accountId: "${ACCOUNT}", region: eu-west-1 }\nclusters:\n${entries}\n`)
  const { run, report } = await checkJson(server, file)
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.is(report.summary.inSync, 2)
  assert.is(server.callCount({ cluster: 'flaky5xx' }), 3)
  assert.is(server.callCount({ cluster: 'reset' }), 3)
  assert.is(report.stats?.retries, 4)
})

aws('aws :: a hung endpoint is cut off by --timeout: every cluster a DeadlineExceeded error, exit 1', async ({ server, dir }) => {
  const clusters = ['hung-a', 'hung-b', 'hung-c']
  for (const cluster of clusters) server.setCluster({ accountId: ACCOUNT, cluster, region: 'eu-west-1', integrations: [], behaviour: { hang: true } })
  const entries = clusters.map((c) => `  - { cluster: ${c}, databases: [] }`).join('\n')
  const file = await manifest(dir, 'hang.yaml', `version: 1\ndefaults: { accountId: "${ACCOUNT}", region: eu-west-1 }\nclusters:\n${entries}\n`)
  // Concurrency 2: one cluster never even starts; the default per-request timeout (5 s) is longer than the run's.
  const { run, report } = await checkJson(server, file, ['--timeout', '3', '--concurrency', '2'])
  assert.is(run.code, 1)
  assert.equal(
    report.findings.map((f) => [f.kind, f.cluster, f.cause?.code]),
    clusters.map((c) => ['error', c, 'DeadlineExceeded']),
  )
  assert.ok(run.ms < 20_000, `took ${run.ms} ms`)
})

aws('aws :: the default per-request timeout shares a 25 s budget over the attempts', () => {
  assert.is(requestTimeoutFor({}, 5), 5_000)
  assert.is(requestTimeoutFor({}, 1), 10_000, 'never more than 10 s for one request')
  for (let attempts = 1; attempts <= 20; attempts++) assert.ok(attempts * requestTimeoutFor({}, attempts) <= 25_000, `${attempts} attempts`)
  assert.is(requestTimeoutFor({ requestTimeoutMs: 300 }, 5), 300, 'an explicit timeout is kept')
})

aws('aws :: against a throttling server no cluster is lost; throttled answers and the learned rate are in the stats', async ({ server, dir }) => {
  const accounts = ['111111111111', '222222222222']
  const clusters = Array.from({ length: 40 }, (_, i) => ({ accountId: accounts[i % 2]!, cluster: `c-${i}` }))
  for (const c of clusters) server.setCluster({ ...c, region: 'eu-west-1', integrations: [active('dev', 'Fivetran')] })
  server.setRateLimit(20, { burst: 2 })
  const entries = clusters.map((c) => `  - { cluster: ${c.cluster}, accountId: "${c.accountId}", databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }`).join('\n')
  const file = await manifest(dir, 'throttled.yaml', `version: 1\ndefaults: { region: eu-west-1 }\nclusters:\n${entries}\n`)
  const text = join(dir, 'throttled.txt')
  const { run, report } = await checkJson(server, file, ['--concurrency', '16', '--output', `text=${text}`])
  assert.is(run.code, 0, run.stderr)
  assert.is(report.summary.inSync, 40, 'every cluster observed')
  assert.is(server.calls.filter((c) => c.status === 200).length, 40, 'one answered call per cluster')
  const throttled = server.calls.filter((c) => c.code === 'Throttling').length
  assert.ok(throttled > 0, 'the server throttled')
  assert.is(report.stats?.throttled, throttled)
  assert.is(report.stats?.apiCalls, server.callCount())
  assert.is(report.stats?.retries, throttled)
  const rates = report.stats?.rates ?? []
  assert.equal(
    rates.map((r) => [r.accountId, r.region]),
    accounts.map((a) => [a, 'eu-west-1']),
    'one learned rate per throttled account and region, in order',
  )
  for (const r of rates) assert.ok(r.requestsPerSecond > 0 && r.requestsPerSecond < 1000, `${r.requestsPerSecond}/s`)
  assert.equal(reportSchemaErrors(report), [])
  assert.match(await readFile(text, 'utf8'), `Learned request rates: 111111111111/eu-west-1 ${rates[0]!.requestsPerSecond}/s, 222222222222/eu-west-1 ${rates[1]!.requestsPerSecond}/s.`)
})

aws('aws :: the per-request timeout ends a hung call (retried once) long before the overall deadline', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [], behaviour: { hang: true } })
  const { run, report } = await checkJson(server, await manifest(dir, 'hang-request.yaml', ONE_CLUSTER), [
    '--source-option',
    'requestTimeoutMs=300',
    '--max-attempts',
    '2',
    '--timeout',
    '60',
  ])
  assert.is(run.code, 1)
  assert.is(report.findings[0].cause?.code, 'Timeout')
  assert.is(server.callCount(), 2, 'a timed-out request is retried like any transient failure')
  assert.ok(run.ms < 10_000, `took ${run.ms} ms`)
})

aws('aws :: a malformed XML answer is an error, never an empty in-sync list', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')], behaviour: { malformed: true } })
  const { run, report } = await checkJson(server, await manifest(dir, 'malformed.yaml', ONE_CLUSTER), ['--max-attempts', '1'])
  assert.is(run.code, 1, run.stdout)
  assert.is(report.findings[0].kind, 'error')
  assert.is(report.findings[0].cause?.code, 'InvalidResponse')
  assert.match(report.findings[0].cause?.hint ?? '', /--endpoint-url/)
  assert.is(report.outcome, 'incomplete')
})

aws('aws :: no credentials anywhere is an error with a hint, not a crash', async ({ server, dir }) => {
  const { run, report } = await checkJson(server, await manifest(dir, 'nocreds.yaml', ONE_CLUSTER), ['--max-attempts', '1'], {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    HOME: dir,
  })
  assert.is(run.code, 1)
  assert.is(report.findings[0].cause?.code, 'NoCredentials')
  assert.match(report.findings[0].cause?.hint ?? '', /credentials/)
  assert.is(server.callCount(), 0)
})

aws('aws :: AWS_ENDPOINT_URL_REDSHIFT works without --endpoint-url; --region fills in a missing region', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'ap-south-1', integrations: [active('dev', 'Fivetran')] })
  const file = await manifest(dir, 'noregion.yaml', ONE_CLUSTER.replace(', region: eu-west-1', ''))
  const run = await runCli(['check', file, '--region', 'ap-south-1', '--format', 'json', ...FAST], { env: awsTestEnv({ AWS_ENDPOINT_URL_REDSHIFT: server.url }) })
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.is(server.calls[0].region, 'ap-south-1')
})

aws('aws :: the manifest cannot choose the endpoint', async ({ server, dir }) => {
  const file = await manifest(dir, 'endpoint.yaml', ONE_CLUSTER.replace('region: eu-west-1 }', `region: eu-west-1, endpointUrl: "http://attacker.example" }`))
  const run = await runCli(['check', file, ...FAST], { env: awsTestEnv({ AWS_ENDPOINT_URL_REDSHIFT: server.url }) })
  assert.is(run.code, 1)
  assert.match(run.stderr, /endpoint\.yaml:2:\d+: defaults\.endpointUrl: unknown key "endpointUrl"/)
  assert.is(server.callCount(), 0)
})

aws('aws :: assumeRole template: one AssumeRole per account, every call signed with that account\'s role', async ({ server, dir }) => {
  const accounts = ['111111111111', '222222222222']
  let yaml = 'version: 1\ndefaults: { assumeRole: "arn:aws:iam::{accountId}:role/partner-drift-read" }\nclusters:\n'
  for (const accountId of accounts) {
    for (const region of ['eu-west-1', 'us-east-1']) {
      for (const cluster of ['a', 'b']) {
        server.setCluster({ accountId, cluster, region, integrations: [active('dev', 'Fivetran')] })
        yaml += `  - { cluster: ${cluster}, accountId: "${accountId}", region: ${region}, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }\n`
      }
    }
  }
  const { run, report } = await checkJson(server, await manifest(dir, 'roles.yaml', yaml), [], { AWS_ENDPOINT_URL_STS: server.url })
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.is(report.summary.inSync, 8)
  const assumed = server.calls.filter((c) => c.action === 'AssumeRole')
  assert.equal(assumed.map((c) => c.params.RoleArn).sort(), accounts.map((a) => `arn:aws:iam::${a}:role/partner-drift-read`))
  assert.ok(assumed.every((c) => c.accessKeyId === 'AKIDPARTNERDRIFTTEST'), 'the base credentials assume the role')
  for (const call of server.calls.filter((c) => c.action === 'DescribePartners')) assert.is(call.accessKeyId, `ASIA${call.accountId}`)
})

aws('aws :: snapshot then check --source snapshot: reproduces the live findings exactly', async ({ server, dir }) => {
  server.setCluster({
    accountId: ACCOUNT,
    cluster: 'analytics-prod',
    region: 'eu-west-1',
    integrations: [active('dev', 'Fivetran', { Status: 'ConnectionFailure', StatusMessage: 'timeout' }), active('dev', 'Segment'), active('dev', 'Stitch', { UpdatedAt: undefined, CreatedAt: '2019-01-01T00:00:00Z' })],
  })
  server.setCluster({ accountId: ACCOUNT, cluster: 'denied', region: 'eu-west-1', integrations: [], behaviour: { error: { code: 'AccessDenied' } } })
  const file = await manifest(
    dir,
    'replay.yaml',
    `version: 1
defaults: { accountId: "${ACCOUNT}", region: eu-west-1, absent: [Segment], maxStatusAge: 30d }
clusters:
  - { cluster: analytics-prod, databases: [{ database: dev, partners: [{ partner: Fivetran }, { partner: Stitch }, { partner: Etleap }] }] }
  - { cluster: denied, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
  - { cluster: gone, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
`,
  )
  const out = join(dir, 'recorded.json')
  const recorded = await runCli(['snapshot', file, '--out', out, '--endpoint-url', server.url, ...FAST], { env: awsTestEnv() })
  assert.is(recorded.code, 1, 'a cluster could not be observed, so recording says so')
  assert.match(recorded.stderr, /recorded 3 clusters \(1 not observed\)/)
  const callsAfterRecording = server.callCount()
  const { report: live } = await checkJson(server, file)
  const replay = await runCli(['check', file, '--source', `snapshot:${out}`, '--format', 'json'])
  assert.is(replay.code, 1)
  const replayed = JSON.parse(replay.stdout) as Report
  const essence = (r: Report) => r.findings.map(({ kind, severity, fingerprint, cluster, database, partner, observed, cause }) => ({ kind, severity, fingerprint, cluster, database, partner, observed, code: cause?.code }))
  assert.ok(live.findings.length >= 5)
  assert.equal(essence(replayed), essence(live))
  assert.equal(replayed.summary, live.summary)
  assert.is(server.callCount(), callsAfterRecording + 3, 'the replay made no API call')
  const snapshot = JSON.parse(await readFile(out, 'utf8'))
  assert.is(snapshot.version, 1)
  assert.is(snapshot.clusters.length, 3)
})

aws('aws :: bootstrap a manifest from reality; check against the same state passes', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'undeclared', region: 'eu-west-1', integrations: [active('dev', 'Fivetran'), active('dev', 'Stitch', { Status: 'Inactive' }), active('sales', 'Etleap')] })
  const manifestOut = join(dir, 'bootstrapped.yaml')
  const recorded = await runCli(
    ['snapshot', '--account-id', ACCOUNT, '--region', 'eu-west-1', '--cluster', 'undeclared', '--out', join(dir, 'b.json'), '--manifest-out', manifestOut, '--endpoint-url', server.url, ...FAST],
    { env: awsTestEnv() },
  )
  assert.is(recorded.code, 0, recorded.stderr)
  const validate = await runCli(['validate', manifestOut])
  assert.is(validate.code, 0, validate.stderr)
  const { run, report } = await checkJson(server, manifestOut)
  assert.is(run.code, 0, run.stdout)
  assert.is(report.summary.expected, 3)
  assert.is(report.summary.inSync, 3)
})

aws('aws :: a role that cannot be assumed: the error names the role, sts:AssumeRole and the trust policy, never the Redshift action; nothing reaches Redshift', async ({ server, dir }) => {
  const [plainAccount, identityAccount] = ['111111111111', '222222222222']
  const role = (accountId: string): string => `arn:aws:iam::${accountId}:role/partner-drift-read`
  for (const accountId of [plainAccount, identityAccount]) server.setCluster({ accountId, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')] })
  server.discovery.denyAssumeRole(role(plainAccount))
  // The wording STS uses when the caller's own policies are what lack the action.
  server.discovery.denyAssumeRole(role(identityAccount), `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: sts:AssumeRole on resource: ${role(identityAccount)} because no identity-based policy allows the sts:AssumeRole action`)
  const file = await manifest(
    dir,
    'denied-roles.yaml',
    `version: 1
defaults: { region: eu-west-1, assumeRole: "arn:aws:iam::{accountId}:role/partner-drift-read" }
clusters:
  - { cluster: analytics-prod, accountId: "${plainAccount}", databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
  - { cluster: analytics-prod, accountId: "${identityAccount}", databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }
`,
  )
  const { run, report } = await checkJson(server, file, [], { AWS_ENDPOINT_URL_STS: server.url })
  assert.is(run.code, 1, run.stderr)
  const errors = report.findings.filter((f) => f.kind === 'error')
  const of = (accountId: string) => errors.find((f) => f.accountId === accountId)!
  for (const accountId of [plainAccount, identityAccount]) {
    const finding = of(accountId)
    assert.is(finding.cause?.code, 'AccessDenied')
    assert.match(finding.message, `could not assume the role ${role(accountId)}`)
    assert.match(finding.cause?.hint ?? '', 'sts:AssumeRole')
    assert.ok(finding.cause?.hint?.includes(role(accountId)), finding.cause?.hint)
    assert.not.match(finding.cause?.hint ?? '', /redshift:/)
  }
  // STS's plain denial cannot tell the two causes apart: both are named, with the caller.
  assert.match(of(plainAccount).cause?.hint ?? '', /trust policy trust that identity/)
  assert.match(of(plainAccount).cause?.hint ?? '', /runs as \(arn:aws:iam::\d{12}:user\/partner-drift\)/)
  // One that names the identity-based policy: only the caller's permission.
  assert.match(of(identityAccount).cause?.hint ?? '', 'may not call sts:AssumeRole')
  assert.not.match(of(identityAccount).cause?.hint ?? '', /trust policy/)
  assert.is(server.callCount({ action: 'DescribePartners' }), 0)
})

aws('aws :: an unknown --profile (or AWS_PROFILE) names the profile and the files searched; a known one works; nothing is sent for an unknown one', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: [active('dev', 'Fivetran')] })
  const config = join(dir, 'aws-config')
  const credentials = join(dir, 'aws-credentials')
  await writeFile(config, '[profile dev]\nregion = eu-west-1\n\n[sso-session corp]\nsso_region = eu-west-1\n')
  await writeFile(credentials, '[dev]\naws_access_key_id = AKIDPROFILEDEV\naws_secret_access_key = secret\n\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secret\n')
  const file = await manifest(dir, 'profile.yaml', ONE_CLUSTER)
  const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials }
  const [flag, variable, known] = await Promise.all([
    runCli(['check', file, '--endpoint-url', server.url, '--profile', 'nosuch', ...FAST], { env: awsTestEnv(files) }),
    runCli(['check', file, '--endpoint-url', server.url, ...FAST], { env: awsTestEnv({ ...files, AWS_PROFILE: 'nosuch' }) }),
    runCli(['check', file, '--endpoint-url', server.url, '--profile', 'dev', ...FAST], { env: awsTestEnv(files) }),
  ])
  for (const [run, given] of [[flag, '--profile "nosuch"'], [variable, 'AWS_PROFILE="nosuch"']] as const) {
    assert.is(run.code, 1, run.stderr)
    assert.match(run.stderr, `unknown-profile: no profile "nosuch" (${given}) in ${config} (AWS_CONFIG_FILE) and ${credentials} (AWS_SHARED_CREDENTIALS_FILE); the profiles there: default, dev\nCode: source-open\n`)
    assert.not.match(run.stderr, /NoCredentials/)
  }
  assert.is(known.code, 0, known.stderr)
  assert.is(server.callCount(), 1, 'only the run with a known profile called DescribePartners')
  assert.ok(server.calls.every((c) => c.accessKeyId === 'AKIDPROFILEDEV'), 'signed with the profile\'s keys')
})

aws.run()
