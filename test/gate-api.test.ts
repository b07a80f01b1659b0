/**
 * Issue 8, "API answers are untrusted": an HTTP 200 that is not a well-formed DescribePartners
 * response must be an `error` observation (InvalidResponse), never "observed, nothing
 * integrated"; malformed items are errors too; a well-formed empty list, duplicates and
 * undocumented statuses are real observations and pass through as they came.
 *
 * One table row per reproduction, served as raw bytes by the test server and read by the aws
 * source through the REAL @aws-sdk/client-redshift over HTTP; the fail-open case of the issue
 * (a cluster whose manifest only forbids partners) also through the real CLI process.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { DescribePartnersCommand, RedshiftClient } from '@aws-sdk/client-redshift'

import type { ClusterObservation, ObservedIntegration, SourceSession } from '../src/contract.js'
import { observedIntegrationOf } from '../src/model/observation.js'
import type { Report } from '../src/model/report.js'
import awsSource from '../plugins/aws/index.js'
import { readDescribePartnersAnswer, parseXml } from '../plugins/aws/answer-check.js'
import { readBody } from '../plugins/aws/raw-answers.js'
import { describePartnersXml, type Integration, type RedshiftTestServer, startRedshiftServer, withRedshiftServer } from './helpers/redshift-server.js'
import { awsTestEnv, runCli } from './helpers/cli.js'

const ACCOUNT = '123456789012'
const REGION = 'eu-west-1'
const CLUSTER = 'guarded'

const item = (DatabaseName: string, PartnerName: string, Status: string, extra: Partial<Integration> = {}): Integration => ({ DatabaseName, PartnerName, Status, ...extra })

/** A DescribePartners answer around `inner` (the Result's content), written by hand. */
const answer = (inner: string) =>
  `<DescribePartnersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">\n  <DescribePartnersResult>\n${inner}\n  </DescribePartnersResult>\n` +
  '  <ResponseMetadata>\n    <RequestId>6b1e6c0e-4c55-4a39-9d57-0c2f4f1f2a10</RequestId>\n  </ResponseMetadata>\n</DescribePartnersResponse>\n'
/** One item with exactly the members given, in this order. */
const rawItem = (members: Record<string, string>) =>
  `<PartnerIntegrationInfo>${Object.entries(members)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('')}</PartnerIntegrationInfo>`
const list = (...items: string[]) => `<PartnerIntegrationInfoList>${items.join('')}</PartnerIntegrationInfoList>`
/** `text` up to the first `at`: an answer cut off by a dropped connection or a proxy. */
const cut = (text: string, at: string) => text.slice(0, text.indexOf(at))
const FIVETRAN = { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' }

const CAPTIVE_PORTAL =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Guest Wi-Fi</title></head>\n<body><form action="/login"><input name="code"></form></body></html>\n'
const XHTML_PORTAL = '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Guest Wi-Fi</title></head><body><p>Please sign in.</p></body></html>\n'

interface InvalidRow {
  name: string
  body: string
  contentType?: string
  /** What the message must say about the problem. */
  problem: RegExp
}

/** Every answer here was read by SDK 3.1169 without an error; most as "no integrations". */
const INVALID: InvalidRow[] = [
  { name: 'empty body', body: '', problem: /the body is empty/ },
  { name: 'whitespace only', body: ' \n', problem: /not well-formed XML \(no root element/ },
  { name: 'HTML captive portal (not XML)', body: CAPTIVE_PORTAL, contentType: 'text/html; charset=utf-8', problem: /content-type text\/html; charset=utf-8.*document type declaration/ },
  { name: 'XHTML captive portal (well-formed)', body: XHTML_PORTAL, contentType: 'text/html', problem: /root element is <html>, not <DescribePartnersResponse>/ },
  {
    name: 'another root element',
    body: '<DescribeClustersResponse><DescribeClustersResult><Clusters/></DescribeClustersResult></DescribeClustersResponse>',
    problem: /root element is <DescribeClustersResponse>/,
  },
  {
    name: 'another root element around a DescribePartnersResult',
    body: `<DescribeClustersResponse><DescribePartnersResult>${list(rawItem(FIVETRAN))}</DescribePartnersResult></DescribeClustersResponse>`,
    problem: /root element is <DescribeClustersResponse>/,
  },
  { name: 'an ErrorResponse with HTTP 200', body: '<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>', problem: /root element is <ErrorResponse>/ },
  { name: 'JSON', body: '{"PartnerIntegrationInfoList":[]}', contentType: 'application/json', problem: /not well-formed XML \(content before the root element/ },
  { name: 'Result without a list', body: answer(''), problem: /<DescribePartnersResult> has no <PartnerIntegrationInfoList>/ },
  { name: 'self-closed Result', body: '<DescribePartnersResponse><DescribePartnersResult/></DescribePartnersResponse>', problem: /has no <PartnerIntegrationInfoList>/ },
  { name: 'no Result at all', body: '<DescribePartnersResponse><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></DescribePartnersResponse>', problem: /<DescribePartnersResponse> has no <DescribePartnersResult>/ },
  { name: 'two Results', body: `<DescribePartnersResponse><DescribePartnersResult>${list()}</DescribePartnersResult><DescribePartnersResult>${list()}</DescribePartnersResult></DescribePartnersResponse>`, problem: /has 2 <DescribePartnersResult>/ },
  {
    name: 'two lists (the SDK drops the second, RuntimeFailure and all)',
    body: answer(list(rawItem(FIVETRAN)) + list(rawItem({ ...FIVETRAN, PartnerName: 'Stitch', Status: 'RuntimeFailure' }))),
    problem: /has 2 <PartnerIntegrationInfoList>/,
  },
  { name: 'items named <member> (the SDK reads [])', body: answer(list(`<member>${rawItem(FIVETRAN).slice(24, -25)}</member>`)), problem: /item 1 of <PartnerIntegrationInfoList> is <member>/ },
  { name: 'text in the list', body: answer(list('Fivetran')), problem: /holds text besides its items/ },
  { name: 'item without DatabaseName', body: answer(list(rawItem({ PartnerName: 'Fivetran', Status: 'Active' }))), problem: /item 1 .* has no <DatabaseName>/ },
  { name: 'item without PartnerName', body: answer(list(rawItem(FIVETRAN), rawItem({ DatabaseName: 'dev', Status: 'Active' }))), problem: /item 2 .* has no <PartnerName>/ },
  { name: 'item without Status', body: answer(list(rawItem({ DatabaseName: 'dev', PartnerName: 'Fivetran' }))), problem: /item 1 .* has no <Status>/ },
  { name: 'empty Status', body: answer(list(rawItem({ ...FIVETRAN, Status: '' }))), problem: /item 1 .* has an empty <Status>/ },
  { name: 'blank DatabaseName', body: answer(list(rawItem({ ...FIVETRAN, DatabaseName: '  ' }))), problem: /item 1 .* has an empty <DatabaseName>/ },
  { name: 'item that is only text', body: answer(list('<PartnerIntegrationInfo>Fivetran</PartnerIntegrationInfo>')), problem: /item 1 .* has no <DatabaseName>/ },
  {
    name: 'two Status members in one item',
    body: answer(list(`<PartnerIntegrationInfo><DatabaseName>dev</DatabaseName><PartnerName>F</PartnerName><Status>Active</Status><Status>RuntimeFailure</Status></PartnerIntegrationInfo>`)),
    problem: /item 1 .* has 2 <Status> elements/,
  },
  { name: 'Status holding elements', body: answer(list(rawItem({ ...FIVETRAN, Status: '<b>Active</b>' }))), problem: /<Status> holds elements/ },
  { name: 'answer cut off in a value', body: cut(describePartnersXml([item('dev', 'Fivetran', 'Active')]), '</DatabaseName>'), problem: /not well-formed XML \(<DatabaseName> is never closed/ },
  { name: 'answer cut off in a closing tag', body: cut(describePartnersXml([item('dev', 'Fivetran', 'Active')]), 'abaseName>'), problem: /not well-formed XML \(the answer ends in the middle of a tag/ },
  { name: 'answer cut off in a start tag', body: cut(describePartnersXml([item('dev', 'Fivetran', 'Active')]), 'tnerName>'), problem: /not well-formed XML \(the answer ends in the middle of a tag/ },
  { name: 'mismatched tags', body: answer(list(rawItem(FIVETRAN)).replace('</PartnerName>', '</Partner>')), problem: /not well-formed XML \(<\/Partner> closes <PartnerName>/ },
  { name: 'unknown entity', body: answer(list(rawItem({ ...FIVETRAN, StatusMessage: '&nbsp;' }))), problem: /unknown entity/ },
  {
    name: 'an attribute the SDK would read as an item',
    body: answer('<PartnerIntegrationInfoList PartnerIntegrationInfo="x"/>'),
    problem: /<PartnerIntegrationInfoList> has an attribute PartnerIntegrationInfo/,
  },
  {
    name: 'an attribute the SDK would read in place of a member',
    body: answer(list(rawItem(FIVETRAN).replace('<PartnerIntegrationInfo>', '<PartnerIntegrationInfo Status="Active">').replace('Active</Status>', 'RuntimeFailure</Status>'))),
    problem: /<PartnerIntegrationInfo> has an attribute Status/,
  },
  {
    name: 'a timestamp with a space instead of T (the SDK throws a TypeError)',
    body: answer(list(rawItem({ ...FIVETRAN, UpdatedAt: '2021-05-02 11:22:33Z' }))),
    problem: /item 1 of <PartnerIntegrationInfoList>: <UpdatedAt> "2021-05-02 11:22:33Z" is not an RFC 3339 timestamp/,
  },
  { name: 'a day that does not exist (the SDK reads March 2)', body: answer(list(rawItem({ ...FIVETRAN, CreatedAt: '2026-02-30T00:00:00Z' }))), problem: /<CreatedAt> "2026-02-30T00:00:00Z" is not an RFC 3339 timestamp of a real instant/ },
  { name: 'a 60th second (the SDK reads the next minute)', body: answer(list(rawItem({ ...FIVETRAN, UpdatedAt: '2026-06-30T23:59:60Z' }))), problem: /<UpdatedAt> "2026-06-30T23:59:60Z" is not/ },
  { name: 'an empty timestamp', body: answer(list(rawItem({ ...FIVETRAN, CreatedAt: '' }))), problem: /<CreatedAt> "" is not an RFC 3339 timestamp/ },
  { name: 'a timestamp holding elements', body: answer(list(rawItem({ ...FIVETRAN, CreatedAt: '<t>2026-01-01T00:00:00Z</t>' }))), problem: /<CreatedAt> holds elements/ },
  { name: 'two root elements', body: describePartnersXml([]) + describePartnersXml([]), problem: /a second root element/ },
]

interface ValidRow {
  name: string
  /** Raw bytes; or `integrations`, served by the server's normal path. */
  body?: string
  integrations?: Integration[]
  expected: ObservedIntegration[]
}

const VALID: ValidRow[] = [
  { name: 'self-closed empty list (a real "nothing integrated")', body: answer('    <PartnerIntegrationInfoList/>'), expected: [] },
  { name: 'empty list with whitespace inside', body: answer('    <PartnerIntegrationInfoList>\n    </PartnerIntegrationInfoList>'), expected: [] },
  { name: 'the server\'s own empty answer', integrations: [], expected: [] },
  {
    name: 'duplicate items pass through, in order, not merged',
    integrations: [item('dev', 'Fivetran', 'RuntimeFailure', { StatusMessage: 'bad password' }), item('dev', 'Fivetran', 'Active')],
    expected: [
      { database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure', statusMessage: 'bad password' },
      { database: 'dev', partner: 'Fivetran', status: 'Active' },
    ],
  },
  { name: 'an undocumented status passes through', integrations: [item('dev', 'Fivetran', 'Pending')], expected: [{ database: 'dev', partner: 'Fivetran', status: 'Pending' }] },
  {
    name: 'control characters in a status message pass through unchanged (renderers escape them)',
    body: answer(list(rawItem({ ...FIVETRAN, Status: 'RuntimeFailure', StatusMessage: 'line&#10;::stop-commands::tok\u001b[2J&#13;\u202Eevil' }))),
    expected: [{ database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure', statusMessage: 'line\n::stop-commands::tok\u001b[2J\r\u202Eevil' }],
  },
  {
    name: 'declaration, comments, CDATA, no namespace, an unknown member',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<!-- proxy: cached -->\n<DescribePartnersResponse><DescribePartnersResult><!-- x -->${list(
      rawItem({ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active', StatusMessage: '<![CDATA[a <b> & c]]>', FutureField: 'x', UpdatedAt: '2026-01-02T03:04:05Z' }),
    )}</DescribePartnersResult></DescribePartnersResponse>`,
    expected: [{ database: 'dev', partner: 'Fivetran', status: 'Active', statusMessage: 'a <b> & c', updatedAt: '2026-01-02T03:04:05.000Z' }],
  },
  {
    name: 'text is kept as written (spaces, line breaks); an empty status message is empty',
    body: answer(list(rawItem({ DatabaseName: ' dev ', PartnerName: '\n  Fivetran\n', Status: 'Active', StatusMessage: '' }))),
    expected: [{ database: ' dev ', partner: '\n  Fivetran\n', status: 'Active', statusMessage: '' }],
  },
  {
    name: 'timestamps in RFC 3339 forms: lower-case t and z, an offset, fractions',
    body: answer(list(rawItem({ ...FIVETRAN, CreatedAt: '2026-01-01t01:00:00.009+01:00', UpdatedAt: '2024-02-29t23:59:59.123456z' }))),
    expected: [{ database: 'dev', partner: 'Fivetran', status: 'Active', createdAt: '2026-01-01T00:00:00.009Z', updatedAt: '2024-02-29T23:59:59.123Z' }],
  },
]

// ------------------------------------------------------------------ through the real SDK, in process

const api = suite<{ server: RedshiftTestServer; session: SourceSession; env: Record<string, string | undefined> }>('gate: API answers (SDK over HTTP)')

/** The source reads credentials from the process environment (the SDK's chain); restored after. */
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDPARTNERDRIFTTEST', AWS_SECRET_ACCESS_KEY: 'partner-drift-test-secret', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined }

api.before(async (ctx) => {
  ctx.server = await startRedshiftServer()
  ctx.env = {}
  for (const [k, v] of Object.entries(CREDENTIALS)) {
    ctx.env[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  // Three attempts, no waiting: an InvalidResponse must not be retried (one call per cluster).
  ctx.session = await awsSource.open({ endpointUrl: ctx.server.url, maxAttempts: 3, retryDelayScale: 0 }, { cwd: process.cwd(), signal: new AbortController().signal, env: {} })
})
api.after(async (ctx) => {
  await ctx.session.close?.()
  await ctx.server.close()
  for (const [k, v] of Object.entries(ctx.env)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})
api.before.each((ctx) => ctx.server.reset())

const observe = (session: SourceSession): Promise<ClusterObservation> =>
  session.observe({ accountId: ACCOUNT, region: REGION, cluster: CLUSTER }, new AbortController().signal)

for (const row of INVALID) {
  api(`InvalidResponse :: ${row.name}`, async ({ server, session }) => {
    server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { body: row.body, ...(row.contentType ? { bodyContentType: row.contentType } : {}) })
    const o = await observe(session)
    if (o.kind !== 'error') return assert.unreachable(`expected an error observation, got ${JSON.stringify(o)}`)
    assert.is(o.code, 'InvalidResponse')
    assert.match(o.message, row.problem)
    assert.match(o.hint ?? '', /--endpoint-url/)
    assert.is(server.callCount(), 1, 'one call: an answer that is not a DescribePartners answer is not retried')
    assert.is(server.calls[0]!.code, 'RawBody')
    assert.is(o.requestId, server.calls[0]!.requestId, 'the request id comes from the x-amzn-RequestId header')
  })
}

for (const row of VALID) {
  api(`observed :: ${row.name}`, async ({ server, session }) => {
    if (row.body !== undefined) server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { body: row.body })
    else server.setCluster({ accountId: ACCOUNT, cluster: CLUSTER, integrations: row.integrations ?? [] })
    const o = await observe(session)
    if (o.kind !== 'observed') return assert.unreachable(`expected an observation, got ${JSON.stringify(o)}`)
    assert.equal(o.integrations, row.expected)
    assert.is(server.callCount(), 1)
    // The source reads 2xx answers itself, in place of the SDK: a plain SDK client must read the same.
    const sdk = new RedshiftClient({ region: REGION, endpoint: server.url, maxAttempts: 1 })
    try {
      const read = (await sdk.send(new DescribePartnersCommand({ AccountId: ACCOUNT, ClusterIdentifier: CLUSTER }))).PartnerIntegrationInfoList?.map((info) => observedIntegrationOf(info as Parameters<typeof observedIntegrationOf>[0]))
      assert.equal(read, row.expected, 'the SDK reads this answer the same way')
    } finally {
      sdk.destroy()
    }
  })
}

api('InvalidResponse :: the check runs on every attempt: throttled, then a captive portal', async ({ server, session }) => {
  server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { throttleFirst: 1, body: XHTML_PORTAL, bodyContentType: 'text/html' })
  const o = await observe(session)
  assert.is(o.kind === 'error' && o.code, 'InvalidResponse')
  assert.is(server.callCount(), 2, 'the throttled call is retried, the portal page is not')
})

api('errors that are not 200 keep their own codes (the check only reads 2xx answers)', async ({ server, session }) => {
  server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { error: { code: 'AccessDenied' } })
  const o = await observe(session)
  assert.is(o.kind === 'error' && o.code, 'AccessDenied')
  server.reset()
  const missing = await observe(session)
  assert.is(missing.kind, 'not-found')
})

api.run()

// ------------------------------------------------------------------ the shape check on its own

const shape = suite('gate: answer shape check')

shape('reads every item, in order; a valid answer of the server passes', () => {
  const bytes = (s: string) => new TextEncoder().encode(s)
  const three = [item('dev', 'A', 'Active', { StatusMessage: 'ok', CreatedAt: '2026-01-01T00:00:00Z' }), item('dev', 'A', 'Active'), item('x_1', 'B', 'Pending', { UpdatedAt: '2026-11-01T10:00:00.5Z' })]
  assert.equal(readDescribePartnersAnswer(bytes(describePartnersXml(three))), {
    ok: true,
    integrations: [
      { DatabaseName: 'dev', PartnerName: 'A', Status: 'Active', StatusMessage: 'ok', CreatedAt: new Date('2026-01-01T00:00:00Z') },
      { DatabaseName: 'dev', PartnerName: 'A', Status: 'Active' },
      { DatabaseName: 'x_1', PartnerName: 'B', Status: 'Pending', UpdatedAt: new Date('2026-11-01T10:00:00.500Z') },
    ],
  })
  assert.equal(readDescribePartnersAnswer(bytes(describePartnersXml([]))), { ok: true, integrations: [] })
  assert.equal(readDescribePartnersAnswer(new Uint8Array([0x3c, 0xff, 0xfe])), { ok: false, problem: 'the body is not UTF-8 text' })
})

shape('a deeply nested answer is refused without overflowing the stack', () => {
  const depth = 200_000
  const deep = '<a>'.repeat(depth) + '</a>'.repeat(depth)
  assert.is(parseXml(deep).children.length, 1)
  const check = readDescribePartnersAnswer(new TextEncoder().encode(deep))
  assert.equal(check, { ok: false, problem: 'the root element is <a>, not <DescribePartnersResponse>' })
})

shape('entities and character references are decoded; names never carry control characters', () => {
  assert.is(parseXml('<a>&lt;&amp;&gt;&quot;&apos;&#65;&#x1F600;</a>').text, '<&>"\'A\u{1F600}')
  assert.throws(() => parseXml('<a>&#x110000;</a>'), /out of range/)
  assert.throws(() => parseXml('<a\u001b[2J>x</a\u001b[2J>'), /malformed start tag|valid name/)
  assert.throws(() => parseXml('<a b="1" b="2"/>'), /repeated attribute/)
  assert.throws(() => parseXml('<a>x</a>junk'), /content after the root element/)
})

shape('linear time on a long hostile answer', () => {
  const started = Date.now()
  const huge = answer(list(rawItem({ ...FIVETRAN, StatusMessage: '&amp;'.repeat(500_000) + '&'.repeat(1) })))
  assert.equal(readDescribePartnersAnswer(new TextEncoder().encode(huge)).ok, false)
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`)
})

shape('an answer body is read whole, refused past its bound, and a stream error is thrown as it came', async () => {
  const chunks = () => [Buffer.from('<a>'), Buffer.from('x'.repeat(100)), Buffer.from('</a>')]
  assert.is(Buffer.from((await readBody(Readable.from(chunks()), 1000))!).toString(), `<a>${'x'.repeat(100)}</a>`)
  assert.is(Buffer.from((await readBody(Readable.from([Buffer.from('one')]), 1000))!).toString(), 'one')
  assert.is((await readBody(Readable.from([]), 1000))!.byteLength, 0)

  const endless = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)) } })
  assert.is(await readBody(endless, 1024 * 1024), undefined, 'past the bound: undefined')
  assert.ok(endless.destroyed, 'and the stream is destroyed, so nothing more is read')

  const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
  const failing = new Readable({ read() {} })
  failing.push(Buffer.from('<DescribePartnersResponse>'))
  setImmediate(() => failing.destroy(reset))
  await readBody(failing, 1000).then(
    () => assert.unreachable('a reset in the middle of the body must be thrown'),
    (error: unknown) => assert.is(error, reset),
  )

  const cut = new Readable({ read() {} })
  cut.push(Buffer.from('<Describe'))
  setImmediate(() => cut.destroy())
  await readBody(cut, 1000).then(
    () => assert.unreachable('a body closed before its end must not read as complete'),
    (error: unknown) => assert.is((error as NodeJS.ErrnoException).code, 'ERR_STREAM_PREMATURE_CLOSE'),
  )
})

shape.run()

// ------------------------------------------------------------------ through the real CLI

const cli = suite<{ server: RedshiftTestServer; dir: string }>('gate: API answers (CLI)')

withRedshiftServer(cli, 'gate-api')

/** Clusters that only forbid a partner: before issue 8, "nothing integrated" made each of them pass. */
function forbidOnly(clusters: string[]): string {
  return ['version: 1', `defaults: { accountId: "${ACCOUNT}", region: ${REGION} }`, 'clusters:', ...clusters.map((c) => `  - { cluster: ${c}, absent: [Segment] }`), ''].join('\n')
}

async function check(ctx: { server: RedshiftTestServer; dir: string }, clusters: string[]) {
  const file = join(ctx.dir, `m-${clusters.join('-')}.yaml`)
  await writeFile(file, forbidOnly(clusters))
  const run = await runCli(['check', file, '--source', 'aws', '--endpoint-url', ctx.server.url, '--format', 'json', '--source-option', 'retryDelayScale=0.01'], { env: awsTestEnv() })
  let report: Report
  try {
    report = JSON.parse(run.stdout) as Report
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`)
  }
  return { run, report }
}

cli('forbid-only cluster, empty 200 body: exit 1 and an InvalidResponse error finding', async (ctx) => {
  ctx.server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { body: '' })
  const { run, report } = await check(ctx, [CLUSTER])
  assert.is(run.code, 1, run.stdout + run.stderr)
  assert.is(report.outcome, 'incomplete')
  assert.is(report.findings.length, 1)
  const [finding] = report.findings
  assert.is(finding!.kind, 'error')
  assert.is(finding!.cluster, CLUSTER)
  assert.is(finding!.cause?.code, 'InvalidResponse')
  assert.match(finding!.cause?.hint ?? '', /--endpoint-url/)
  assert.is(ctx.server.callCount(), 1)
  assert.not.match(run.stderr, /\s+at .+\.js:\d+/, 'no stack trace')
})

cli('forbid-only clusters, one per reproduction in one run: each an InvalidResponse error; the valid empty list is in sync', async (ctx) => {
  const rows: Record<string, { body: string; contentType?: string } | null> = {
    'portal-html': { body: CAPTIVE_PORTAL, contentType: 'text/html' },
    'portal-xhtml': { body: XHTML_PORTAL, contentType: 'text/html' },
    'other-root': { body: '<DescribeClustersResponse><DescribeClustersResult/></DescribeClustersResponse>' },
    'result-no-list': { body: answer('') },
    'members': { body: answer(list(`<member>${rawItem(FIVETRAN).slice(24, -25)}</member>`)) },
    'no-status': { body: answer(list(rawItem({ DatabaseName: 'dev', PartnerName: 'Segment' }))) },
    'empty-list': null,
  }
  for (const [cluster, row] of Object.entries(rows)) {
    if (row) ctx.server.setBehaviour({ accountId: ACCOUNT, cluster }, { body: row.body, ...(row.contentType ? { bodyContentType: row.contentType } : {}) })
    else ctx.server.setCluster({ accountId: ACCOUNT, cluster, integrations: [] })
  }
  const { run, report } = await check(ctx, Object.keys(rows))
  assert.is(run.code, 1, run.stdout + run.stderr)
  const codes = Object.fromEntries(report.findings.map((f) => [f.cluster, `${f.kind} ${f.cause?.code ?? ''}`]))
  const expected = Object.fromEntries(Object.keys(rows).filter((c) => rows[c]).map((c) => [c, 'error InvalidResponse']))
  assert.equal(codes, expected, 'the well-formed empty list is the only cluster without a finding')
  assert.is(ctx.server.callCount(), Object.keys(rows).length, 'one call per cluster')
})

cli('forbid-only cluster, a well-formed empty list: observed, in sync, exit 0', async (ctx) => {
  ctx.server.setBehaviour({ accountId: ACCOUNT, cluster: CLUSTER }, { body: answer('    <PartnerIntegrationInfoList/>') })
  const { run, report } = await check(ctx, [CLUSTER])
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.is(report.findings.length, 0)
  assert.is(report.clusters[0]?.observation, 'observed')
})

cli.run()
