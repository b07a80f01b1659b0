/**
 * Tests of the wire-faithful Redshift Query test server (test/helpers/redshift-server.ts),
 * driven by the REAL @aws-sdk/client-redshift over HTTP, by raw HTTP for the exact bytes,
 * and cross-checked against the real AWS CLI when it is installed.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile, type ExecFileException } from 'node:child_process'
import {
  AddPartnerCommand,
  ClusterNotFoundFault,
  DeletePartnerCommand,
  DescribePartnersCommand,
  PartnerNotFoundFault,
  RedshiftClient,
  RedshiftServiceException,
  UnauthorizedPartnerIntegrationFault,
  UnsupportedOperationFault,
  UpdatePartnerStatusCommand,
  type DescribePartnersCommandInput,
  type DescribePartnersCommandOutput,
  type RedshiftClientConfig,
} from '@aws-sdk/client-redshift'
import { describePartnersXml, startRedshiftServer, type Integration, type RedshiftTestServer } from './helpers/redshift-server.js'
import { findOnPath } from './helpers/find-on-path.js'

const ACCOUNT = '123456789012'
const OTHER_ACCOUNT = '210987654321'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const FULL: Integration[] = [
  {
    DatabaseName: 'dev',
    PartnerName: 'Fivetran',
    Status: 'Active',
    StatusMessage: 'Sync OK',
    CreatedAt: '2021-05-01T10:00:00.000Z',
    UpdatedAt: '2021-05-02T11:22:33.456Z',
  },
  { DatabaseName: 'dev', PartnerName: 'Datacoral', Status: 'RuntimeFailure', StatusMessage: 'load <failed> & "retrying" \'soon\'', CreatedAt: '2022-01-03T04:05:06Z' },
  { DatabaseName: 'analytics', PartnerName: 'Fivetran', Status: 'Inactive' },
  { DatabaseName: 'données_2', PartnerName: 'Stitch', Status: 'ConnectionFailure', UpdatedAt: '2023-07-08T09:10:11+02:00' },
]

// ------------------------------------------------------------------ helpers

let server: RedshiftTestServer
const clients: RedshiftClient[] = []

function client(config: Partial<RedshiftClientConfig> = {}): RedshiftClient {
  const c = new RedshiftClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'AKIDTESTSDK', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
    ...config,
  })
  clients.push(c)
  return c
}

/** A RetryStrategyV2 with zero backoff; the SDK's retry middleware still classifies every error. */
function fastRetry(maxAttempts: number, seen: string[] = []): NonNullable<RedshiftClientConfig['retryStrategy']> {
  const token = (n: number) => ({ getRetryCount: () => n, getRetryDelay: () => 0 })
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (t: { getRetryCount(): number }, info: { errorType: string }) => {
      seen.push(info.errorType)
      if (info.errorType === 'CLIENT_ERROR' || t.getRetryCount() + 1 >= maxAttempts) throw new Error('no more attempts')
      return token(t.getRetryCount() + 1)
    },
    recordSuccess: () => {},
  }
}

function describe(c: RedshiftClient, input: Partial<DescribePartnersCommandInput> = {}, options?: { abortSignal?: AbortSignal }): Promise<DescribePartnersCommandOutput> {
  return c.send(new DescribePartnersCommand({ AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod', ...input }), options)
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  return assert.unreachable('expected the call to fail')
}

/** Fail instead of hanging the whole run when a call never settles. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([p, guard]).finally(() => clearTimeout(timer))
}

const SIGV4 = {
  authorization: 'AWS4-HMAC-SHA256 Credential=AKIDRAW/20240101/eu-west-1/redshift/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd',
  'x-amz-date': '20240101T000000Z',
}

async function raw(params: Record<string, string>, headers: Record<string, string> = SIGV4) {
  const res = await fetch(server.url + '/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
    body: new URLSearchParams(params).toString(),
  })
  return { status: res.status, headers: res.headers, body: await res.text() }
}

function errorXml(type: string, code: string, message: string, requestId: string): string {
  return (
    '<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">\n' +
    '  <Error>\n' +
    `    <Type>${type}</Type>\n` +
    `    <Code>${code}</Code>\n` +
    `    <Message>${message}</Message>\n` +
    '  </Error>\n' +
    `  <RequestId>${requestId}</RequestId>\n` +
    '</ErrorResponse>\n'
  )
}

/** One uvu suite with its own server, reset before each test. */
function unit(name: string) {
  const test = suite(name)
  test.before(async () => {
    server = await startRedshiftServer()
  })
  test.before.each(() => {
    server.reset()
  })
  test.after.each(() => {
    for (const c of clients.splice(0)) c.destroy()
  })
  test.after(async () => {
    await server.close()
  })
  return test
}

// ------------------------------------------------------------------ DescribePartners success

const describeSuite = unit('describe-partners')

describeSuite('server :: non-empty list with every field parsed', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL })
  const out = await describe(client())
  const list = out.PartnerIntegrationInfoList ?? []
  assert.is(list.length, 4, 'the SDK must see every <PartnerIntegrationInfo>')
  const first = list[0]!
  assert.is(first.DatabaseName, 'dev')
  assert.is(first.PartnerName, 'Fivetran')
  assert.is(first.Status, 'Active')
  assert.is(first.StatusMessage, 'Sync OK')
  assert.instance(first.CreatedAt, Date)
  assert.instance(first.UpdatedAt, Date)
  assert.is(first.CreatedAt!.toISOString(), '2021-05-01T10:00:00.000Z')
  assert.is(first.UpdatedAt!.toISOString(), '2021-05-02T11:22:33.456Z')
  assert.is(list[1]!.StatusMessage, 'load <failed> & "retrying" \'soon\'', 'XML escaping round-trips')
  assert.is(list[1]!.UpdatedAt, undefined)
  assert.equal(list[2], { DatabaseName: 'analytics', PartnerName: 'Fivetran', Status: 'Inactive' }, 'absent optional fields stay absent')
  assert.is(list[3]!.DatabaseName, 'données_2', 'Unicode database names')
  assert.is(list[3]!.UpdatedAt!.toISOString(), '2023-07-08T07:10:11.000Z', 'offsets are honoured')
  assert.is(out.$metadata.httpStatusCode, 200)
  assert.match(out.$metadata.requestId ?? '', UUID)
  assert.is(server.calls.length, 1)
  const call = server.calls[0]!
  assert.is(call.action, 'DescribePartners')
  assert.is(call.region, 'eu-west-1')
  assert.is(call.accessKeyId, 'AKIDTESTSDK')
  assert.is(call.accountId, ACCOUNT)
  assert.is(call.cluster, 'analytics-prod')
  assert.is(call.status, 200)
  assert.is(call.code, undefined)
  assert.is(call.requestId, out.$metadata.requestId)
  assert.is(call.params.Version, '2012-12-01')
})

describeSuite('server :: filters by DatabaseName and PartnerName', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL })
  const c = client()
  const names = (o: DescribePartnersCommandOutput) => (o.PartnerIntegrationInfoList ?? []).map((i) => `${i.DatabaseName}/${i.PartnerName}`)
  assert.equal(names(await describe(c, { DatabaseName: 'dev' })), ['dev/Fivetran', 'dev/Datacoral'])
  assert.equal(names(await describe(c, { PartnerName: 'Fivetran' })), ['dev/Fivetran', 'analytics/Fivetran'])
  assert.equal(names(await describe(c, { DatabaseName: 'analytics', PartnerName: 'Fivetran' })), ['analytics/Fivetran'])
  assert.equal(names(await describe(c, { DatabaseName: 'dev', PartnerName: 'Stitch' })), [], 'a filter matching nothing is an empty list')
  assert.equal(server.calls.map((c) => c.params.DatabaseName ?? '-'), ['dev', '-', 'analytics', 'dev'])
  assert.is(server.callCount({ action: 'DescribePartners', cluster: 'analytics-prod' }), 4)
})

describeSuite('server :: empty list', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: [] })
  const out = await describe(client())
  assert.equal(out.PartnerIntegrationInfoList, [])
})

describeSuite('server :: exact success bytes and headers', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: [FULL[0]!, { DatabaseName: 'x_y', PartnerName: 'P', Status: 'Active', StatusMessage: 'a<b>&c' }] })
  const res = await raw({ Action: 'DescribePartners', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod' })
  const id = res.headers.get('x-amzn-requestid') ?? ''
  assert.match(id, UUID)
  assert.is(res.status, 200)
  assert.is(res.headers.get('content-type'), 'text/xml')
  assert.is(res.headers.get('content-length'), String(Buffer.byteLength(res.body)))
  assert.ok(res.headers.get('date'))
  assert.is(
    res.body,
    '<DescribePartnersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">\n' +
      '  <DescribePartnersResult>\n' +
      '    <PartnerIntegrationInfoList>\n' +
      '      <PartnerIntegrationInfo>\n' +
      '        <DatabaseName>dev</DatabaseName>\n' +
      '        <PartnerName>Fivetran</PartnerName>\n' +
      '        <Status>Active</Status>\n' +
      '        <StatusMessage>Sync OK</StatusMessage>\n' +
      '        <CreatedAt>2021-05-01T10:00:00.000Z</CreatedAt>\n' +
      '        <UpdatedAt>2021-05-02T11:22:33.456Z</UpdatedAt>\n' +
      '      </PartnerIntegrationInfo>\n' +
      '      <PartnerIntegrationInfo>\n' +
      '        <DatabaseName>x_y</DatabaseName>\n' +
      '        <PartnerName>P</PartnerName>\n' +
      '        <Status>Active</Status>\n' +
      '        <StatusMessage>a&lt;b&gt;&amp;c</StatusMessage>\n' +
      '      </PartnerIntegrationInfo>\n' +
      '    </PartnerIntegrationInfoList>\n' +
      '  </DescribePartnersResult>\n' +
      '  <ResponseMetadata>\n' +
      `    <RequestId>${id}</RequestId>\n` +
      '  </ResponseMetadata>\n' +
      '</DescribePartnersResponse>\n',
  )
  server.setCluster({ accountId: ACCOUNT, cluster: 'empty', integrations: [] })
  const empty = await raw({ Action: 'DescribePartners', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'empty' })
  assert.ok(empty.body.includes('  <DescribePartnersResult>\n    <PartnerIntegrationInfoList/>\n  </DescribePartnersResult>\n'))
  assert.is(server.calls[0]!.region, 'eu-west-1')
  assert.is(server.calls[0]!.accessKeyId, 'AKIDRAW')
})

describeSuite('server :: region routing', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'shared', region: 'eu-west-1', integrations: [{ DatabaseName: 'dev', PartnerName: 'EuPartner', Status: 'Active' }] })
  server.setCluster({ accountId: ACCOUNT, cluster: 'shared', region: 'us-east-1', integrations: [{ DatabaseName: 'dev', PartnerName: 'UsPartner', Status: 'Inactive' }] })
  const eu = client({ region: 'eu-west-1' })
  const us = client({ region: 'us-east-1' })
  const ap = client({ region: 'ap-southeast-2' })
  const partner = async (c: RedshiftClient) => (await describe(c, { ClusterIdentifier: 'shared' })).PartnerIntegrationInfoList?.map((i) => `${i.PartnerName}:${i.Status}`)
  assert.equal(await partner(eu), ['EuPartner:Active'])
  assert.equal(await partner(us), ['UsPartner:Inactive'])
  assert.instance(await rejection(partner(ap)), ClusterNotFoundFault, 'a region-bound cluster is not visible elsewhere')
  // A cluster registered without a region matches any region, but a region-bound one wins.
  server.setCluster({ accountId: ACCOUNT, cluster: 'shared', integrations: [{ DatabaseName: 'dev', PartnerName: 'AnyPartner', Status: 'Active' }] })
  assert.equal(await partner(ap), ['AnyPartner:Active'])
  assert.equal(await partner(eu), ['EuPartner:Active'])
  // Accounts are part of the key too.
  assert.instance(await rejection(describe(eu, { AccountId: OTHER_ACCOUNT, ClusterIdentifier: 'shared' })), ClusterNotFoundFault)
  assert.equal(
    server.calls.map((c) => c.region),
    ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'ap-southeast-2', 'eu-west-1', 'eu-west-1'],
  )
  assert.is(server.callCount({ region: 'eu-west-1' }), 3)
  assert.is(server.callCount({ region: 'ap-southeast-2' }), 2)
  assert.is(server.callCount({ region: 'eu-west-1', accountId: OTHER_ACCOUNT }), 1)
})

describeSuite.run()

// ------------------------------------------------------------------ errors

const errors = unit('errors')

errors('server :: ClusterNotFound -> ClusterNotFoundFault 404 with requestId', async () => {
  const e = await rejection(describe(client(), { ClusterIdentifier: 'analytics-nope' }))
  assert.instance(e, ClusterNotFoundFault)
  assert.instance(e, RedshiftServiceException)
  assert.is(e.name, 'ClusterNotFoundFault')
  assert.is(e.message, 'Cluster analytics-nope not found.')
  assert.is(e.$fault, 'client')
  assert.is(e.$metadata.httpStatusCode, 404)
  assert.match(e.$metadata.requestId, UUID)
  const call = server.calls[0]!
  assert.is(call.status, 404)
  assert.is(call.code, 'ClusterNotFound')
  assert.is(call.requestId, e.$metadata.requestId)
})

errors('server :: exact error bytes', async () => {
  const res = await raw({ Action: 'DescribePartners', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod' })
  const id = res.headers.get('x-amzn-requestid') ?? ''
  assert.is(res.status, 404)
  assert.is(res.headers.get('content-type'), 'text/xml')
  assert.is(res.headers.get('content-length'), String(Buffer.byteLength(res.body)))
  assert.is(res.body, errorXml('Sender', 'ClusterNotFound', 'Cluster analytics-prod not found.', id))
})

errors('server :: modelled faults and other codes from a behaviour', async () => {
  const c = client()
  const cases: Array<[string, number, (new (...args: any[]) => Error) | undefined]> = [
    ['UnauthorizedPartnerIntegration', 401, UnauthorizedPartnerIntegrationFault],
    ['UnsupportedOperation', 400, UnsupportedOperationFault],
    ['AccessDenied', 403, undefined],
  ]
  for (const [code, status, cls] of cases) {
    server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { error: { code } })
    const e = await rejection(describe(c))
    if (cls) assert.instance(e, cls)
    else assert.is(e.name, code, 'unmodelled codes become RedshiftServiceException named after the code')
    assert.instance(e, RedshiftServiceException)
    assert.is(e.$metadata.httpStatusCode, status, code)
    assert.is(e.$fault, 'client')
  }
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { error: { code: 'InternalFailure', message: 'boom <x>' } })
  const e = await rejection(describe(c))
  assert.is(e.name, 'InternalFailure')
  assert.is(e.message, 'boom <x>')
  assert.is(e.$metadata.httpStatusCode, 500)
  assert.is(e.$fault, 'server')
  assert.equal(server.calls.map((c) => `${c.status} ${c.code}`), ['401 UnauthorizedPartnerIntegration', '400 UnsupportedOperation', '403 AccessDenied', '500 InternalFailure'])
})

errors('server :: invalid parameters are rejected server side', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL })
  const c = client()
  const bad: Array<[Partial<DescribePartnersCommandInput>, string]> = [
    [{ AccountId: '12345' }, 'accountId'],
    [{ AccountId: '1234567890123' }, 'accountId'],
    [{ AccountId: '12345678901a' }, 'accountId'],
    [{ ClusterIdentifier: 'analytics_prod' }, 'clusterIdentifier'],
    [{ ClusterIdentifier: 'a'.repeat(64) }, 'clusterIdentifier'],
    [{ DatabaseName: 'd' }, 'databaseName'],
    [{ DatabaseName: '1dev' }, 'databaseName'],
    [{ DatabaseName: 'd'.repeat(128) }, 'databaseName'],
    [{ PartnerName: 'Five tran' }, 'partnerName'],
    [{ PartnerName: 'P'.repeat(256) }, 'partnerName'],
  ]
  for (const [input, member] of bad) {
    const e = await rejection(describe(c, input))
    assert.is(e.name, 'InvalidParameterValue', JSON.stringify(input))
    assert.instance(e, RedshiftServiceException)
    assert.is(e.$metadata.httpStatusCode, 400)
    assert.ok(e.message.includes(`at '${member}'`), e.message)
  }
  assert.is(server.callCount({ action: 'DescribePartners' }), bad.length)
  assert.ok(server.calls.every((c) => c.status === 400 && c.code === 'InvalidParameterValue'))
  // Boundaries that are valid.
  const ok = await describe(c, { ClusterIdentifier: 'analytics-prod', DatabaseName: 'dev', PartnerName: 'Fivetran' })
  assert.is(ok.PartnerIntegrationInfoList?.length, 1)
  const nf = await rejection(describe(c, { ClusterIdentifier: 'A'.repeat(63), DatabaseName: `_${'é'.repeat(126)}`, PartnerName: 'a-_'.repeat(85) }))
  assert.instance(nf, ClusterNotFoundFault, 'maximum lengths pass validation')
})

errors('server :: protocol-level rejections (auth, action, version, missing parameter)', async () => {
  const base = { Action: 'DescribePartners', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod' }
  const noAuth = await raw(base, {})
  assert.is(noAuth.status, 403)
  assert.is(noAuth.body, errorXml('Sender', 'MissingAuthenticationToken', 'Request is missing Authentication Token', noAuth.headers.get('x-amzn-requestid') ?? ''))

  const basic = await raw(base, { authorization: 'Basic dXNlcjpwYXNz' })
  assert.is(basic.status, 400)
  assert.ok(basic.body.includes('<Code>IncompleteSignature</Code>'))

  const wrongService = await raw(base, { ...SIGV4, authorization: SIGV4.authorization.replace('/redshift/', '/ec2/') })
  assert.is(wrongService.status, 403)
  assert.ok(wrongService.body.includes('<Code>SignatureDoesNotMatch</Code>'))

  const unknown = await raw({ ...base, Action: 'DescribeEvents' })
  assert.is(unknown.status, 400)
  assert.ok(unknown.body.includes('<Code>InvalidAction</Code>'))

  const version = await raw({ ...base, Version: '2011-01-01' })
  assert.is(version.status, 400)
  assert.ok(version.body.includes('<Code>InvalidAction</Code>'))

  const { AccountId: _omit, ...noAccount } = base
  const missing = await raw(noAccount)
  assert.is(missing.status, 400)
  assert.ok(missing.body.includes('<Code>MissingParameter</Code>'))
  assert.ok(missing.body.includes('AccountId'))

  assert.equal(
    server.calls.map((c) => `${c.status} ${c.code} ${c.region}`),
    [
      '403 MissingAuthenticationToken undefined',
      '400 IncompleteSignature undefined',
      '403 SignatureDoesNotMatch eu-west-1',
      '400 InvalidAction eu-west-1',
      '400 InvalidAction eu-west-1',
      '400 MissingParameter eu-west-1',
    ],
  )
})

errors.run()

// ------------------------------------------------------------------ retries

const retries = unit('retries')

retries('server :: throttling then success', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { throttleFirst: 2 } })
  const seen: string[] = []
  const out = await describe(client({ maxAttempts: 4, retryStrategy: fastRetry(4, seen) }))
  assert.is(out.PartnerIntegrationInfoList?.length, 4)
  assert.is(out.$metadata.attempts, 3)
  assert.equal(seen, ['THROTTLING', 'THROTTLING'], 'the SDK classifies the answer as throttling')
  assert.is(server.callCount({ cluster: 'analytics-prod' }), 3, 'every attempt is counted')
  assert.equal(server.calls.map((c) => `${c.status} ${c.code ?? ''}`), ['400 Throttling', '400 Throttling', '200 '])
})

retries('server :: throttling without retries surfaces Throttling', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { throttleFirst: 1 } })
  const e = await rejection(describe(client()))
  assert.is(e.name, 'Throttling')
  assert.is(e.message, 'Rate exceeded')
  assert.is(e.$metadata.httpStatusCode, 400)
  assert.is(server.callCount(), 1)
})

retries('server :: throttling recovers with the SDK default retry strategy', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { throttleFirst: 1 } })
  const out = await describe(client({ maxAttempts: 3 }))
  assert.is(out.$metadata.attempts, 2)
  assert.is(server.callCount(), 2)
})

retries('server :: throttleAlways exhausts the attempts', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { throttleAlways: true } })
  const e = await rejection(describe(client({ maxAttempts: 5, retryStrategy: fastRetry(5) })))
  assert.is(e.name, 'Throttling')
  assert.is(e.$metadata.attempts, 5)
  assert.is(server.callCount(), 5)
})

retries('server :: serverErrorFirst recovers (SDK default strategy)', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { serverErrorFirst: 2 } })
  const out = await describe(client({ maxAttempts: 3 }))
  assert.is(out.PartnerIntegrationInfoList?.length, 4)
  assert.is(out.$metadata.attempts, 3)
  assert.equal(server.calls.map((c) => `${c.status} ${c.code ?? ''}`), ['503 ServiceUnavailable', '503 ServiceUnavailable', '200 '])
  const later = await describe(client())
  assert.is(later.PartnerIntegrationInfoList?.length, 4, 'the phase is over: later calls are served')
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { serverErrorFirst: 1 })
  const fault = await rejection(describe(client()))
  assert.is(fault.name, 'ServiceUnavailable')
  assert.is(fault.$fault, 'server')
  assert.is(fault.$metadata.httpStatusCode, 503)
})

retries('server :: resetFirst recovers (SDK default strategy)', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { resetFirst: 2 } })
  const out = await describe(client({ maxAttempts: 3 }))
  assert.is(out.PartnerIntegrationInfoList?.length, 4)
  assert.is(out.$metadata.attempts, 3)
  assert.equal(server.calls.map((c) => `${c.status} ${c.code ?? ''}`), ['0 ConnectionReset', '0 ConnectionReset', '200 '])
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { resetFirst: 1 })
  const e = await rejection(describe(client()))
  assert.is(e.code, 'ECONNRESET', String(e))
})

retries('server :: phases chain: reset, then 503, then throttling', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { resetFirst: 1, serverErrorFirst: 1, throttleFirst: 1 } })
  const seen: string[] = []
  const out = await describe(client({ maxAttempts: 4, retryStrategy: fastRetry(4, seen) }))
  assert.is(out.$metadata.attempts, 4)
  assert.equal(seen, ['TRANSIENT', 'TRANSIENT', 'THROTTLING'])
  assert.equal(server.calls.map((c) => c.code ?? 'ok'), ['ConnectionReset', 'ServiceUnavailable', 'Throttling', 'ok'])
})

retries.run()

// ------------------------------------------------------------------ transport

const transport = unit('transport')

transport('server :: hang + SDK requestTimeout fails fast', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { hang: true } })
  const started = Date.now()
  // Since @smithy/node-http-handler 4.x a bare requestTimeout only logs a warning; it must be told to throw.
  const e = await within(3000, rejection(describe(client({ requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } }))))
  const elapsed = Date.now() - started
  assert.ok(elapsed < 2000, `took ${elapsed} ms`)
  assert.is(e.name, 'TimeoutError', String(e))
  assert.is(server.calls[0]!.code, 'NoResponse')
  assert.is(server.calls[0]!.status, 0)
})

transport('server :: hang + AbortSignal', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { hang: true } })
  const started = Date.now()
  const e = await within(3000, rejection(describe(client(), {}, { abortSignal: AbortSignal.timeout(150) })))
  assert.ok(Date.now() - started < 2000)
  assert.ok(/abort|timeout/i.test(`${e.name} ${e.message}`), String(e))
})

transport('server :: malformed XML makes the SDK throw', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL, behaviour: { malformed: true } })
  const e = await rejection(describe(client()))
  assert.instance(e, Error)
  assert.ok(/xml|pars|deserializ/i.test(e.message), e.message)
  assert.is(server.calls[0]!.status, 200)
})

transport('server :: latency delays the answer', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'slow', integrations: FULL, behaviour: { latencyMs: 150 } })
  server.setCluster({ accountId: ACCOUNT, cluster: 'fast', integrations: FULL })
  const c = client()
  await describe(c, { ClusterIdentifier: 'fast' }) // warm the connection
  let t = performance.now()
  await describe(c, { ClusterIdentifier: 'slow' })
  const slow = performance.now() - t
  t = performance.now()
  await describe(c, { ClusterIdentifier: 'fast' })
  const fast = performance.now() - t
  // The delay is a lower bound a timer guarantees; how fast the other answer is depends on the
  // machine's load, so it is only compared with the slow one.
  assert.ok(slow >= 149, `slow took ${slow} ms`)
  assert.ok(fast < slow, `fast took ${fast} ms, slow ${slow} ms`)
})

transport('server :: rate limit throttles beyond N per second', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL })
  server.setRateLimit(3)
  const c = client()
  const results = await Promise.allSettled(Array.from({ length: 7 }, () => describe(c)))
  const ok = results.filter((r) => r.status === 'fulfilled')
  const throttled = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  assert.is(ok.length, 3)
  assert.is(throttled.length, 4)
  for (const r of throttled) {
    assert.is(r.reason.name, 'Throttling')
    assert.is(r.reason.$metadata.httpStatusCode, 400)
  }
  assert.is(server.callCount(), 7)
  await new Promise((r) => setTimeout(r, 1050))
  const again = await Promise.allSettled(Array.from({ length: 4 }, () => describe(c)))
  assert.is(again.filter((r) => r.status === 'fulfilled').length, 3, 'the bucket refills')
  server.setRateLimit(undefined)
  const free = await Promise.allSettled(Array.from({ length: 10 }, () => describe(c)))
  assert.ok(free.every((r) => r.status === 'fulfilled'))
})

transport('server :: close() with hung requests lets the process exit', async () => {
  const helper = new URL('./helpers/redshift-server.js', import.meta.url).href
  const script = `
    import { startRedshiftServer } from ${JSON.stringify(helper)}
    import { request } from 'node:http'
    const s = await startRedshiftServer()
    s.setBehaviour({ accountId: '${ACCOUNT}', cluster: 'c' }, { hang: true })
    for (let i = 0; i < 3; i++) {
      const req = request(s.url, { method: 'POST', headers: ${JSON.stringify({ ...SIGV4, 'content-type': 'application/x-www-form-urlencoded' })} })
      req.on('error', () => {})
      req.end('Action=DescribePartners&Version=2012-12-01&AccountId=${ACCOUNT}&ClusterIdentifier=c')
    }
    s.setBehaviour({ accountId: '${ACCOUNT}', cluster: 'd' }, { latencyMs: 60000 })
    const slow = request(s.url, { method: 'POST', headers: ${JSON.stringify({ ...SIGV4, 'content-type': 'application/x-www-form-urlencoded' })} })
    slow.on('error', () => {})
    slow.end('Action=DescribePartners&Version=2012-12-01&AccountId=${ACCOUNT}&ClusterIdentifier=d')
    while (s.calls.length < 4) await new Promise((r) => setTimeout(r, 10))
    const t = Date.now()
    await s.close()
    process.stdout.write('closed in ' + (Date.now() - t) + ' ms with ' + s.calls.length + ' calls')
  `
  const started = Date.now()
  const out = await new Promise<{ err: ExecFileException | null; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 8000 }, (err, stdout, stderr) => resolve({ err, stdout, stderr })),
  )
  assert.is(out.err, null, out.stderr)
  assert.match(out.stdout, /closed in \d+ ms with 4 calls/, `stdout: ${out.stdout} stderr: ${out.stderr}`)
  assert.ok(Date.now() - started < 5000, `child took ${Date.now() - started} ms`)
})

transport.run()

// ------------------------------------------------------------------ raw bodies and odd data

const rawBodies = unit('raw-body')
const DESCRIBE = { Action: 'DescribePartners', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod' }

rawBodies('server :: body is served byte for byte with status 200, its content type and a request id', async () => {
  const page = '<!DOCTYPE html>\n<html><body>Sign in — Wi-Fi</body></html>\n'
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { body: page, bodyContentType: 'text/html; charset=utf-8' })
  const res = await raw(DESCRIBE)
  assert.is(res.status, 200)
  assert.is(res.body, page)
  assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8')
  assert.is(res.headers.get('content-length'), String(Buffer.byteLength(page)))
  const id = res.headers.get('x-amzn-requestid') ?? ''
  assert.match(id, UUID)
  assert.equal({ status: server.calls[0]!.status, code: server.calls[0]!.code, requestId: server.calls[0]!.requestId }, { status: 200, code: 'RawBody', requestId: id })

  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { body: '' })
  const empty = await raw(DESCRIBE)
  assert.equal([empty.status, empty.body, empty.headers.get('content-length'), empty.headers.get('content-type')], [200, '', '0', 'text/xml'])

  const bytes = new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x00, 0x3c, 0x2f, 0x61, 0x3e])
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { body: bytes })
  const res2 = await fetch(server.url + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...SIGV4 }, body: new URLSearchParams(DESCRIBE).toString() })
  assert.equal(new Uint8Array(await res2.arrayBuffer()), bytes, 'bytes that are not UTF-8 are sent as they are')
})

rawBodies('server :: body comes after validation, error and the transport behaviours; any operation, registered cluster or not', async () => {
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { body: '<x/>', throttleFirst: 1 })
  const first = await raw(DESCRIBE)
  assert.is(first.status, 400)
  assert.ok(first.body.includes('<Code>Throttling</Code>'))
  assert.is((await raw(DESCRIBE)).body, '<x/>')
  assert.is((await raw({ ...DESCRIBE, Action: 'AddPartner', DatabaseName: 'dev', PartnerName: 'Fivetran' })).body, '<x/>')
  const invalid = await raw({ ...DESCRIBE, PartnerName: 'bad name' })
  assert.is(invalid.status, 400, 'parameter validation still applies')
  server.setBehaviour({ accountId: ACCOUNT, cluster: 'analytics-prod' }, { body: '<x/>', error: { code: 'AccessDenied' } })
  assert.is((await raw(DESCRIBE)).status, 403, 'error wins over body')
  assert.equal(server.calls.map((c) => c.code ?? 'ok'), ['Throttling', 'RawBody', 'RawBody', 'InvalidParameterValue', 'AccessDenied'])
})

rawBodies('server :: describePartnersXml is exactly what the server answers', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: FULL })
  const res = await raw(DESCRIBE)
  assert.is(describePartnersXml(FULL, res.headers.get('x-amzn-requestid') ?? ''), res.body)
  const out = await describe(client())
  assert.is(out.PartnerIntegrationInfoList?.length, FULL.length)
})

rawBodies('server :: duplicates, an undocumented status and control characters are served as given, and the SDK reads them back unchanged', async () => {
  const odd: Integration[] = [
    { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'RuntimeFailure', StatusMessage: 'line 1\nline 2\r\n::stop-commands::tok \u001b[2J \u0007 \u009b \u202eevil' },
    { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' },
    { DatabaseName: 'dev', PartnerName: 'Stitch', Status: 'Pending' },
  ]
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: odd })
  const out = await describe(client())
  assert.equal(out.PartnerIntegrationInfoList, odd)
})

// ------------------------------------------------------------------ AddPartner / UpdatePartnerStatus / DeletePartner

const ops = unit('partner-ops')

ops('server :: add, update, delete a partner', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: [] })
  const c = client()
  const key = { AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod', DatabaseName: 'dev', PartnerName: 'Datacoral' }
  const added = await c.send(new AddPartnerCommand(key))
  assert.is(added.DatabaseName, 'dev')
  assert.is(added.PartnerName, 'Datacoral')
  let list = (await describe(c)).PartnerIntegrationInfoList ?? []
  assert.is(list.length, 1)
  assert.instance(list[0]!.CreatedAt, Date)

  const updated = await c.send(new UpdatePartnerStatusCommand({ ...key, Status: 'ConnectionFailure', StatusMessage: 'cannot reach <host>' }))
  assert.is(updated.PartnerName, 'Datacoral')
  list = (await describe(c)).PartnerIntegrationInfoList ?? []
  assert.is(list[0]!.Status, 'ConnectionFailure')
  assert.is(list[0]!.StatusMessage, 'cannot reach <host>')

  const badStatus = await rejection(c.send(new UpdatePartnerStatusCommand({ ...key, Status: 'Broken' as never })))
  assert.is(badStatus.name, 'InvalidParameterValue')

  const missing = await rejection(c.send(new UpdatePartnerStatusCommand({ ...key, PartnerName: 'Fivetran', Status: 'Active' })))
  assert.instance(missing, PartnerNotFoundFault)
  assert.is(missing.$metadata.httpStatusCode, 404)

  const deleted = await c.send(new DeletePartnerCommand(key))
  assert.is(deleted.DatabaseName, 'dev')
  assert.equal((await describe(c)).PartnerIntegrationInfoList, [])
  const again = await rejection(c.send(new DeletePartnerCommand(key)))
  assert.instance(again, PartnerNotFoundFault)

  const noCluster = await rejection(c.send(new AddPartnerCommand({ ...key, ClusterIdentifier: 'other' })))
  assert.instance(noCluster, ClusterNotFoundFault)
  assert.equal(
    server.calls.map((x) => x.action),
    ['AddPartner', 'DescribePartners', 'UpdatePartnerStatus', 'DescribePartners', 'UpdatePartnerStatus', 'UpdatePartnerStatus', 'DeletePartner', 'DescribePartners', 'DeletePartner', 'AddPartner'],
  )
  assert.is(server.callCount({ action: 'UpdatePartnerStatus' }), 3)
})

ops('server :: exact AddPartner result bytes', async () => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', integrations: [] })
  const res = await raw({ Action: 'AddPartner', Version: '2012-12-01', AccountId: ACCOUNT, ClusterIdentifier: 'analytics-prod', DatabaseName: 'dev', PartnerName: 'Datacoral' })
  const id = res.headers.get('x-amzn-requestid') ?? ''
  assert.is(
    res.body,
    '<AddPartnerResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">\n' +
      '  <AddPartnerResult>\n' +
      '    <DatabaseName>dev</DatabaseName>\n' +
      '    <PartnerName>Datacoral</PartnerName>\n' +
      '  </AddPartnerResult>\n' +
      '  <ResponseMetadata>\n' +
      `    <RequestId>${id}</RequestId>\n` +
      '  </ResponseMetadata>\n' +
      '</AddPartnerResponse>\n',
  )
})

ops.run()

// ------------------------------------------------------------------ AWS CLI cross-check

function runAws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) {
    if (k.startsWith('AWS_')) delete env[k]
  }
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'AKIDTESTCLI',
    AWS_SECRET_ACCESS_KEY: 'dummy-secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  })
  return new Promise((resolve) =>
    execFile('aws', args, { env, timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout, stderr })
    }),
  )
}

const cli = unit('aws-cli')
const awsPath = findOnPath('aws')
const cliArgs = (cluster: string) => ['redshift', 'describe-partners', '--account-id', ACCOUNT, '--cluster-identifier', cluster, '--endpoint-url', server.url, '--region', 'eu-west-1', '--output', 'json']

cli('server :: AWS CLI sees the same integrations as the SDK', async () => {
  if (!awsPath) {
    process.stderr.write('AWS CLI NOT INSTALLED: the independent cross-check of the test server did not run\n')
    return
  }
  server.setCluster({ accountId: ACCOUNT, cluster: 'analytics-prod', region: 'eu-west-1', integrations: FULL })
  const sdk = (await describe(client())).PartnerIntegrationInfoList ?? []
  const res = await runAws(cliArgs('analytics-prod'))
  assert.is(res.code, 0, res.stderr)
  const parsed = JSON.parse(res.stdout) as { PartnerIntegrationInfoList: Array<Record<string, string | undefined>> }
  const fromCli = parsed.PartnerIntegrationInfoList
  assert.is(fromCli.length, FULL.length)
  assert.is(sdk.length, FULL.length)
  const shape = (i: { DatabaseName?: string; PartnerName?: string; Status?: string; StatusMessage?: string; CreatedAt?: Date | string; UpdatedAt?: Date | string }) => ({
    DatabaseName: i.DatabaseName,
    PartnerName: i.PartnerName,
    Status: i.Status,
    StatusMessage: i.StatusMessage,
    CreatedAt: i.CreatedAt === undefined ? undefined : new Date(i.CreatedAt).getTime(),
    UpdatedAt: i.UpdatedAt === undefined ? undefined : new Date(i.UpdatedAt).getTime(),
  })
  assert.equal(fromCli.map(shape), sdk.map(shape))
  const cliCall = server.calls[1]!
  assert.is(cliCall.action, 'DescribePartners')
  assert.is(cliCall.region, 'eu-west-1')
  assert.is(cliCall.accessKeyId, 'AKIDTESTCLI')
  assert.is(cliCall.status, 200)
})

cli('server :: AWS CLI exits 255 on ClusterNotFound', async () => {
  if (!awsPath) {
    process.stderr.write('AWS CLI NOT INSTALLED: the independent cross-check of the test server did not run\n')
    return
  }
  const res = await runAws(cliArgs('analytics-missing'))
  assert.is(res.code, 255, res.stderr)
  assert.ok(res.stderr.includes('(ClusterNotFound)'), res.stderr)
  assert.ok(res.stderr.includes('Cluster analytics-missing not found.'), res.stderr)
  assert.is(server.callCount({ cluster: 'analytics-missing' }), 1, 'the CLI does not retry ClusterNotFound')
})

cli.run()
