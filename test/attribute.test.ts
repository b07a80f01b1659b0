/**
 * `check --attribute`: who last changed each drifting integration, from CloudTrail LookupEvents,
 * through the real CLI, the real AWS SDK and the local server's CloudTrail (JSON 1.1), which the
 * AWS CLI cross-checks at the end. Attribution never changes a verdict: every run here exits as
 * it would without --attribute.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import awsSource from '../plugins/aws/index.js'
import type { ChangeHistory, SourceSession } from '../src/index.js'
import type { Report } from '../src/model/report.js'
import { awsTestEnv, reportSchemaErrors, runCli } from './helpers/cli.js'
import { type ServerSuiteContext, withRedshiftServer } from './helpers/redshift-server.js'
import { findOnPath } from './helpers/find-on-path.js'

const ACCOUNT = '123456789012'
const REGION = 'eu-west-1'
const ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/DataEng/alice`
const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/DataEng/bob`
const KEY = 'AKIDPARTNERDRIFTTEST'

/** A time `days` days ago: the history is the last 90 days before the run, whenever it runs. */
const daysAgo = (days: number, hour = 10): string => {
  const d = new Date(Date.now() - days * 86_400_000)
  d.setUTCHours(hour, 0, 0, 0)
  return d.toISOString()
}
const dayOf = (at: string): string => at.slice(0, 10)

const MANIFEST = `version: 1
defaults: { accountId: "${ACCOUNT}", region: ${REGION} }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
          - partner: Stitch
`

const SEGMENT_ADDED = daysAgo(5)
const FIVETRAN_FAILED = daysAgo(2)
const STITCH_DELETED = daysAgo(7)

const s = suite<ServerSuiteContext>('attribute')
withRedshiftServer(s, 'attribute')

/** The estate: Fivetran unhealthy, Segment extra, Stitch missing; and their history, with noise around it. */
function estate(server: ServerSuiteContext['server']): void {
  server.discovery.setCallerAccount(KEY, ACCOUNT)
  server.setCluster({
    accountId: ACCOUNT,
    region: REGION,
    cluster: 'analytics-prod',
    integrations: [
      { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'ConnectionFailure', StatusMessage: 'password authentication failed' },
      { DatabaseName: 'dev', PartnerName: 'Segment', Status: 'Active' },
    ],
  })
  const ct = server.cloudTrail
  const at = (event: Parameters<typeof ct.recordEvent>[2]) => ct.recordEvent(ACCOUNT, REGION, event)
  at({ event: 'AddPartner', at: daysAgo(40), cluster: 'analytics-prod', database: 'dev', partner: 'Fivetran', principal: BOB })
  at({ event: 'UpdatePartnerStatus', at: daysAgo(39), cluster: 'analytics-prod', database: 'dev', partner: 'Fivetran', status: 'Active' })
  at({ event: 'UpdatePartnerStatus', at: FIVETRAN_FAILED, cluster: 'analytics-prod', database: 'dev', partner: 'Fivetran', status: 'ConnectionFailure' })
  at({ event: 'AddPartner', at: SEGMENT_ADDED, cluster: 'analytics-prod', database: 'dev', partner: 'Segment', principal: ALICE })
  // A later attempt that failed changed nothing; nor did the same partner on another database or cluster.
  at({ event: 'AddPartner', at: daysAgo(1), cluster: 'analytics-prod', database: 'dev', partner: 'Segment', principal: BOB, errorCode: 'PartnerNotFoundFault' })
  at({ event: 'AddPartner', at: daysAgo(1), cluster: 'analytics-prod', database: 'sales', partner: 'Segment', principal: BOB })
  at({ event: 'AddPartner', at: STITCH_DELETED.replace(/T10/, 'T08'), cluster: 'analytics-prod', database: 'dev', partner: 'Stitch', principal: ALICE })
  at({ event: 'DeletePartner', at: STITCH_DELETED, cluster: 'analytics-prod', database: 'dev', partner: 'Stitch', principal: BOB })
  // Enough AddPartner events elsewhere that their query takes two pages of 50.
  for (let i = 0; i < 60; i++) at({ event: 'AddPartner', at: daysAgo(10 + (i % 30), i % 24), cluster: `etl-${i}`, database: 'dev', partner: 'Fivetran', principal: BOB })
  // Older than the 90-day window: never returned.
  at({ event: 'DeletePartner', at: daysAgo(120), cluster: 'analytics-prod', database: 'dev', partner: 'Stitch', principal: ALICE })
}

async function check(ctx: ServerSuiteContext, extra: string[], format = 'json') {
  const manifest = join(ctx.dir, 'partner-drift.yaml')
  await writeFile(manifest, MANIFEST)
  return runCli(['check', manifest, '--endpoint-url', ctx.server.url, '--format', format, '--source-option', 'retryDelayScale=0.01', '--max-attempts', '2', ...extra], {
    env: awsTestEnv({ AWS_ENDPOINT_URL_CLOUDTRAIL: ctx.server.url }),
  })
}

const lookups = (ctx: ServerSuiteContext) => ctx.server.calls.filter((c) => c.action === 'LookupEvents')

s('attribute :: names the principal that added an extra integration, the partner that set an unhealthy status and who deleted a missing one, in 4 LookupEvents calls', async (ctx) => {
  estate(ctx.server)
  const plain = await check(ctx, [])
  assert.is(plain.code, 2, plain.stderr)
  assert.is(lookups(ctx).length, 0, 'no CloudTrail call without --attribute')

  const run = await check(ctx, ['--attribute'])
  assert.is(run.code, 2, run.stderr)
  const report = JSON.parse(run.stdout) as Report
  assert.equal(reportSchemaErrors(report), [])
  const of = (kind: string, partner: string) => report.findings.find((f) => f.kind === kind && f.partner === partner)!.lastChange
  assert.equal(of('extra', 'Segment'), {
    kind: 'event',
    event: 'AddPartner',
    at: SEGMENT_ADDED,
    by: ALICE,
    actor: 'principal',
    requestId: (of('extra', 'Segment') as { requestId: string }).requestId,
    eventId: (of('extra', 'Segment') as { eventId: string }).eventId,
  })
  assert.match((of('extra', 'Segment') as { requestId: string }).requestId, /^[0-9a-f-]{36}$/)
  assert.equal(
    { ...of('unhealthy', 'Fivetran'), requestId: undefined, eventId: undefined },
    { kind: 'event', event: 'UpdatePartnerStatus', at: FIVETRAN_FAILED, by: 'Fivetran', actor: 'partner', principal: `arn:aws:sts::${ACCOUNT}:assumed-role/RedshiftPartner-Fivetran/fivetran`, status: 'ConnectionFailure', requestId: undefined, eventId: undefined },
  )
  assert.equal({ ...of('missing', 'Stitch'), requestId: undefined, eventId: undefined }, { kind: 'event', event: 'DeletePartner', at: STITCH_DELETED, by: BOB, actor: 'principal', requestId: undefined, eventId: undefined })

  // One query per event name for the account and region, shared by every finding there; AddPartner's has two pages.
  const calls = lookups(ctx)
  assert.equal(
    calls.map((c) => JSON.parse(c.params.LookupAttributes!) as unknown),
    [
      [{ AttributeKey: 'EventName', AttributeValue: 'AddPartner' }],
      [{ AttributeKey: 'EventName', AttributeValue: 'AddPartner' }],
      [{ AttributeKey: 'EventName', AttributeValue: 'DeletePartner' }],
      [{ AttributeKey: 'EventName', AttributeValue: 'UpdatePartnerStatus' }],
    ],
  )
  assert.ok(calls.every((c) => c.accountId === ACCOUNT && c.region === REGION && c.params.MaxResults === '50'))
  const window = (Number(calls[0]!.params.EndTime) - Number(calls[0]!.params.StartTime)) / 86_400
  assert.ok(Math.abs(window - 90) < 0.01, `a 90-day window, not ${window} days`)
  // Paced at CloudTrail's 2 requests a second per account and region: a burst of two, then one every
  // 500 ms, so the fourth is sent about 1000 ms after the first (unpaced, the four take a few round
  // trips). The first one reaches the server late by the client's first-request set-up, which on a
  // busy machine is tens of milliseconds: the bound leaves room for that and still tells the two apart.
  assert.ok(calls[3]!.at - calls[0]!.at >= 700, `4 LookupEvents within ${calls[3]!.at - calls[0]!.at} ms`)
  assert.is(report.stats?.apiCalls, 1 + 4)
})

s('attribute :: every format says who changed it', async (ctx) => {
  estate(ctx.server)
  const text = await check(ctx, ['--attribute', '-o', `sarif=${ctx.dir}/r.sarif`, '-o', `junit=${ctx.dir}/r.xml`, '-o', `markdown=${ctx.dir}/r.md`, '-o', `diff=${ctx.dir}/r.diff`], 'text')
  assert.is(text.code, 2, text.stderr)
  assert.match(text.stdout, `- Segment extra: integrated (status Active) but not declared`)
  assert.match(text.stdout, `added by ${ALICE} on ${dayOf(SEGMENT_ADDED)}`)
  assert.match(text.stdout, `status set to ConnectionFailure by partner Fivetran on ${dayOf(FIVETRAN_FAILED)}`)
  assert.match(text.stdout, `deleted by ${BOB} on ${dayOf(STITCH_DELETED)}`)
  const { readFile } = await import('node:fs/promises')
  const sarif = JSON.parse(await readFile(join(ctx.dir, 'r.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; message: { text: string }; properties: { lastChange?: { by: string } } }> }> }
  const extra = sarif.runs[0]!.results.find((r) => r.ruleId === 'extra')!
  assert.is(extra.properties.lastChange?.by, ALICE)
  assert.match(extra.message.text, `added by ${ALICE} on ${dayOf(SEGMENT_ADDED)}`)
  assert.match(await readFile(join(ctx.dir, 'r.xml'), 'utf8'), `added by ${ALICE} on ${dayOf(SEGMENT_ADDED)}`)
  // Markdown escapes what the API said: no mention, link or markup can come from a principal's name.
  assert.match(await readFile(join(ctx.dir, 'r.md'), 'utf8'), `added by arn:aws:sts::${ACCOUNT}:assumed-role/DataEng/alice on ${dayOf(SEGMENT_ADDED)}`)
  assert.match(await readFile(join(ctx.dir, 'r.diff'), 'utf8'), `# dev/Segment extra: added by ${ALICE} on ${dayOf(SEGMENT_ADDED)}\n`)
})

s('attribute :: a principal name with control characters and markup is escaped in every human-readable format', async (ctx) => {
  estate(ctx.server)
  const evil = `arn:aws:sts::${ACCOUNT}:assumed-role/DataEng/\u001b[31m@everyone\n::error::forged`
  ctx.server.cloudTrail.recordEvent(ACCOUNT, REGION, { event: 'AddPartner', at: daysAgo(3), cluster: 'analytics-prod', database: 'dev', partner: 'Segment', principal: evil })
  const text = await check(ctx, ['--attribute', '-o', `markdown=${ctx.dir}/r.md`], 'text')
  assert.is(text.code, 2, text.stderr)
  assert.not.match(text.stdout, '\u001b[31m')
  assert.match(text.stdout, '\\u001b[31m@everyone\\n::error::forged')
  const github = await runCli(['check', join(ctx.dir, 'partner-drift.yaml'), '--endpoint-url', ctx.server.url, '--source-option', 'retryDelayScale=0.01', '--attribute', '--format', 'github'], {
    env: awsTestEnv({ AWS_ENDPOINT_URL_CLOUDTRAIL: ctx.server.url }),
  })
  assert.not.ok(github.stdout.split('\n').some((line) => line.startsWith('::error::forged')), 'no forged workflow command')
  const { readFile } = await import('node:fs/promises')
  assert.match(await readFile(join(ctx.dir, 'r.md'), 'utf8'), '@&#8203;everyone')
})

s('attribute :: CloudTrail denied: lastChange unknown with the reason and the permission to grant; the exit code does not change', async (ctx) => {
  estate(ctx.server)
  ctx.server.cloudTrail.denyLookupEvents(ACCOUNT, REGION)
  const run = await check(ctx, ['--attribute'])
  assert.is(run.code, 2, run.stderr)
  const report = JSON.parse(run.stdout) as Report
  assert.equal(reportSchemaErrors(report), [])
  const changes = report.findings.filter((f) => f.lastChange).map((f) => f.lastChange!)
  assert.is(changes.length, 3)
  for (const change of changes) {
    assert.is(change.kind, 'unknown')
    assert.is((change as { code: string }).code, 'AccessDeniedException')
    assert.match((change as { reason: string }).reason, /not authorized to perform: cloudtrail:LookupEvents.*\(allow the IAM action cloudtrail:LookupEvents in account 123456789012\)/)
  }
  assert.is(report.summary.failing, 3)
  const text = await check(ctx, ['--attribute'], 'text')
  assert.is(text.code, 2)
  assert.match(text.stdout, 'last change unknown: User: arn:aws:iam::123456789012:user/partner-drift is not authorized')
})

s('attribute :: no matching event in the 90 days, and a throttled CloudTrail that recovers', async (ctx) => {
  estate(ctx.server)
  ctx.server.cloudTrail.throttleLookupEvents(ACCOUNT, REGION, 1)
  const manifest = join(ctx.dir, 'partner-drift.yaml')
  await writeFile(manifest, MANIFEST.replace('- partner: Stitch', '- partner: Stitch\n      - database: sales\n        partners: [{ partner: Matillion }]'))
  const run = await runCli(['check', manifest, '--endpoint-url', ctx.server.url, '--format', 'json', '--source-option', 'retryDelayScale=0.01', '--attribute'], {
    env: awsTestEnv({ AWS_ENDPOINT_URL_CLOUDTRAIL: ctx.server.url }),
  })
  assert.is(run.code, 2, run.stderr)
  const report = JSON.parse(run.stdout) as Report
  const matillion = report.findings.find((f) => f.partner === 'Matillion')!
  assert.equal(matillion.lastChange, { kind: 'unknown', code: 'NoRecordedChange', reason: 'no DeletePartner event for this integration in the last 90 days of the history' })
  assert.is(report.findings.find((f) => f.partner === 'Segment')!.lastChange?.kind, 'event')
  assert.ok((report.stats?.throttled ?? 0) >= 1)
})

s('attribute :: a source that cannot attribute says so on every finding, and the run is judged as without --attribute', async (ctx) => {
  const manifest = join(ctx.dir, 'partner-drift.yaml')
  await writeFile(manifest, MANIFEST)
  const snapshot = join(ctx.dir, 'snapshot.json')
  await writeFile(
    snapshot,
    JSON.stringify({
      version: 1,
      capturedAt: '2026-11-24T10:00:00Z',
      clusters: [{ accountId: ACCOUNT, region: REGION, cluster: 'analytics-prod', PartnerIntegrationInfoList: [{ DatabaseName: 'dev', PartnerName: 'Segment', Status: 'Active' }] }],
    }),
  )
  const run = await runCli(['check', manifest, '--source', `snapshot:${snapshot}`, '--format', 'json', '--attribute'])
  assert.is(run.code, 2, run.stderr)
  const report = JSON.parse(run.stdout) as Report
  const codes = report.findings.map((f) => `${f.kind} ${f.partner}: ${f.lastChange?.kind === 'unknown' ? f.lastChange.code : '-'}`)
  assert.equal(codes, ['missing Fivetran: AttributionUnsupported', 'extra Segment: AttributionUnsupported', 'missing Stitch: AttributionUnsupported'])
})

// ------------------------------------------------------------------ AWS CLI cross-check

const CLI_KEY = 'AKIDTESTCLI'

function runAws(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k]
  Object.assign(env, { AWS_ACCESS_KEY_ID: CLI_KEY, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' })
  return new Promise((resolve) =>
    execFile('aws', [...args, '--endpoint-url', url, '--output', 'json'], { env, timeout: 30000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    }),
  )
}

/** The aws source's attribute(), opened in this process against the server, as the orchestrator calls it. */
async function attributeInProcess(url: string, request: Parameters<NonNullable<SourceSession['attribute']>>[0]): Promise<ChangeHistory> {
  const saved = new Map(Object.entries(process.env).filter(([k]) => k.startsWith('AWS_')))
  for (const k of saved.keys()) delete process.env[k]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_CLOUDTRAIL: url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' })
  try {
    const session = await awsSource.open({ endpointUrl: url, maxAttempts: 1 }, { cwd: process.cwd(), signal: new AbortController().signal, env: process.env })
    try {
      return await session.attribute!(request, new AbortController().signal)
    } finally {
      await session.close?.()
    }
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
    for (const [k, v] of saved) process.env[k] = v
  }
}

const awsPath = findOnPath('aws')
const notInstalled = () => {
  process.stderr.write('AWS CLI NOT INSTALLED: the independent cross-check of the CloudTrail test server did not run\n')
}

s('server :: aws cloudtrail lookup-events pages through the AddPartner events and reads what the SDK reads', async (ctx) => {
  if (!awsPath) return notInstalled()
  estate(ctx.server)
  ctx.server.discovery.setCallerAccount(CLI_KEY, ACCOUNT)
  const res = await runAws(ctx.server.url, ['cloudtrail', 'lookup-events', '--region', REGION, '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=AddPartner'])
  assert.is(res.code, 0, res.stderr)
  const events = (JSON.parse(res.stdout) as { Events: Array<{ EventName: string; EventId: string; CloudTrailEvent: string }> }).Events
  assert.is(lookups(ctx).length, 2, 'the CLI follows NextToken')
  assert.is(events.length, 65)
  assert.ok(events.every((e) => e.EventName === 'AddPartner'))
  const segment = events.map((e) => JSON.parse(e.CloudTrailEvent) as { eventID: string; requestID: string; userIdentity: { arn: string }; requestParameters: { databaseName: string; partnerName: string }; errorCode?: string })
  const added = segment.find((e) => e.requestParameters.partnerName === 'Segment' && e.requestParameters.databaseName === 'dev' && !e.errorCode)!
  assert.is(added.userIdentity.arn, ALICE)

  const now = new Date()
  const history = await attributeInProcess(ctx.server.url, { accountId: ACCOUNT, region: REGION, events: ['AddPartner'], since: new Date(now.getTime() - 90 * 86_400_000).toISOString(), until: now.toISOString() })
  assert.is(history.kind, 'history')
  const changes = (history as Extract<ChangeHistory, { kind: 'history' }>).changes
  // The SDK reads the same events; the failed call is left out.
  assert.is(changes.length, events.length - 1)
  const sdkSegment = changes.find((c) => c.partner === 'Segment' && c.database === 'dev')!
  assert.equal({ principal: sdkSegment.principal, requestId: sdkSegment.requestId, eventId: sdkSegment.eventId }, { principal: ALICE, requestId: added.requestID, eventId: added.eventID })
})

s('server :: aws cloudtrail lookup-events exits 255 on AccessDeniedException and on two lookup attributes', async (ctx) => {
  if (!awsPath) return notInstalled()
  ctx.server.discovery.setCallerAccount(CLI_KEY, ACCOUNT)
  const two = await runAws(ctx.server.url, ['cloudtrail', 'lookup-events', '--region', REGION, '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=AddPartner', 'AttributeKey=EventSource,AttributeValue=redshift.amazonaws.com'])
  assert.is(two.code, 255)
  assert.match(two.stderr, /\(InvalidLookupAttributesException\)/)
  ctx.server.cloudTrail.denyLookupEvents(ACCOUNT, REGION)
  const denied = await runAws(ctx.server.url, ['cloudtrail', 'lookup-events', '--region', REGION])
  assert.is(denied.code, 255)
  assert.match(denied.stderr, /\(AccessDeniedException\).*cloudtrail:LookupEvents/)
})

s.run()
