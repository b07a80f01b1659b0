/**
 * Discovery through the aws source: the real AWS SDK over real HTTP against the local server
 * (test/helpers/redshift-server.ts with test/helpers/discovery-server.ts), through the session
 * the source opens, as the orchestrator will call it: `discover(scope, signal)` (DescribeClusters
 * per account and region) and `listAccounts(request, signal)` (AWS Organizations). The server
 * itself is cross-checked with the AWS CLI at the end.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { DescribeClustersCommand, type DescribeClustersCommandInput, RedshiftClient } from '@aws-sdk/client-redshift'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import awsSource from '../plugins/aws/index.js'
import type { AccountListing, AccountListingRequest, DiscoveryScope, ScopeDiscovery, SourceSession } from '../src/index.js'
import { awsTestEnv, runCli } from './helpers/cli.js'
import { describeClustersXml, type TestCluster, type TestOrganization } from './helpers/discovery-server.js'
import { type RedshiftTestServer, startRedshiftServer } from './helpers/redshift-server.js'
import { findOnPath } from './helpers/find-on-path.js'

type DiscoverySession = SourceSession & {
  discover(scope: DiscoveryScope, signal: AbortSignal): Promise<ScopeDiscovery>
  listAccounts(request: AccountListingRequest, signal: AbortSignal): Promise<AccountListing>
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BASE_KEY = 'AKIDDISCOVERYTEST'
const MANAGEMENT = '111111111111'
const ACCOUNT_A = '222222222222'
const ACCOUNT_B = '333333333333'
const ACCOUNT_C = '444444444444'
const ROLE = (account: string) => `arn:aws:iam::${account}:role/partner-drift-read`
const signal = () => new AbortController().signal

let server: RedshiftTestServer
let session: DiscoverySession | undefined
const savedEnv = new Map<string, string | undefined>()

/** The environment the SDK reads (credentials, STS and Organizations endpoints), set for this file only. */
function setEnv(values: Record<string, string | undefined>): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') && !savedEnv.has(name)) savedEnv.set(name, process.env[name])
  for (const name of Object.keys(values)) if (!savedEnv.has(name)) savedEnv.set(name, process.env[name])
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name]
  for (const [name, value] of Object.entries(values)) if (value !== undefined) process.env[name] = value
}

function restoreEnv(): void {
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  savedEnv.clear()
}

async function open(): Promise<DiscoverySession> {
  const opened = (await awsSource.open(
    { endpointUrl: server.url, retryDelayScale: 0.01, maxAttempts: 2 },
    { cwd: ROOT, signal: signal(), env: process.env, concurrency: 4 },
  )) as DiscoverySession
  session = opened
  return opened
}

const clusterCalls = () => server.calls.filter((c) => c.action === 'DescribeClusters')

/** `n` clusters named `prefix-001`..., tagged `index` and, every third, `env=prod`. */
function manyClusters(n: number, prefix = 'analytics'): TestCluster[] {
  return Array.from({ length: n }, (_, i) => ({
    cluster: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    status: i % 10 === 0 ? 'paused' : 'available',
    tags: [{ key: 'index', value: String(i + 1) }, ...(i % 3 === 0 ? [{ key: 'env', value: 'prod' }] : [])],
  }))
}

const discovered = (result: ScopeDiscovery) => {
  if (result.kind !== 'discovered') throw new Error(`expected clusters, got ${JSON.stringify(result)}`)
  return result.clusters
}
const listed = (result: AccountListing) => {
  if (result.kind !== 'listed') throw new Error(`expected accounts, got ${JSON.stringify(result)}`)
  return result.accounts
}

function setUp(name: string) {
  const s = suite(name)
  s.before(async () => {
    server = await startRedshiftServer()
    setEnv({
      AWS_ACCESS_KEY_ID: BASE_KEY,
      AWS_SECRET_ACCESS_KEY: 'discovery-test-secret',
      AWS_ENDPOINT_URL_STS: server.url,
      AWS_ENDPOINT_URL_ORGANIZATIONS: server.url,
      AWS_CONFIG_FILE: `${ROOT}test/fixtures/no-such-aws-config`,
      AWS_SHARED_CREDENTIALS_FILE: `${ROOT}test/fixtures/no-such-aws-credentials`,
      AWS_EC2_METADATA_DISABLED: 'true',
    })
  })
  s.after(async () => {
    restoreEnv()
    await server.close()
  })
  s.before.each(() => {
    server.reset()
    server.discovery.setCallerAccount(BASE_KEY, MANAGEMENT)
  })
  s.after.each(async () => {
    await session?.close?.()
    session = undefined
  })
  return s
}

// ------------------------------------------------------------------ DescribeClusters

const clusters = setUp('discovery: DescribeClusters')

clusters('clusters :: 230 clusters: exactly 3 pages of 100 following Marker, every cluster with its status and tags', async () => {
  const all = manyClusters(230)
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', all)
  const s = await open()
  const found = discovered(await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal()))
  assert.equal(
    found,
    all.map((c) => ({ cluster: c.cluster, status: c.status, tags: c.tags })),
  )
  const calls = clusterCalls()
  assert.is(calls.length, 3, 'one request per page, nothing more')
  assert.equal(
    calls.map((c) => c.params.MaxRecords),
    ['100', '100', '100'],
  )
  assert.is(calls[0]!.params.Marker, undefined)
  assert.ok(calls[1]!.params.Marker && calls[2]!.params.Marker && calls[1]!.params.Marker !== calls[2]!.params.Marker, 'each page asks for the Marker of the one before')
  assert.ok(calls.every((c) => c.region === 'eu-west-1' && c.accessKeyId === BASE_KEY && c.status === 200))
  assert.is(server.callCount({ action: 'GetCallerIdentity' }), 1, 'without a role, the account of the credentials is checked first')
  assert.is(s.stats?.().apiCalls, 4, 'discovery calls are counted in the source stats')
})

clusters('clusters :: exactly 100 clusters is one page; none is an empty list, not an error', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', manyClusters(100))
  const s = await open()
  assert.is(discovered(await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal())).length, 100)
  assert.is(clusterCalls().length, 1)
  assert.equal(discovered(await s.discover({ accountId: MANAGEMENT, region: 'us-east-1' }, signal())), [])
  assert.is(clusterCalls().length, 2)
})

clusters('clusters :: tag keys and values from outside stay data (prototype names, markup, control characters)', async () => {
  const tags = [
    { key: '__proto__', value: 'x' },
    { key: 'constructor', value: '<b>&amp;</b>' },
    { key: 'note', value: 'line\u001b[31m\nbreak' },
    { key: 'empty', value: '' },
  ]
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', [{ cluster: 'odd-tags', tags }])
  const s = await open()
  const [found] = discovered(await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal()))
  assert.equal(found!.tags, tags)
  assert.is(Object.getPrototypeOf(found!.tags[0]), Object.prototype)
})

clusters('clusters :: DescribeClusters denied in one region: AccessDenied naming redshift:DescribeClusters there, the other region discovered', async () => {
  server.discovery.setClusters(MANAGEMENT, 'us-east-1', manyClusters(3))
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', manyClusters(3))
  server.discovery.denyDescribeClusters(MANAGEMENT, 'eu-west-1')
  const s = await open()
  const [denied, allowed] = await Promise.all([
    s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal()),
    s.discover({ accountId: MANAGEMENT, region: 'us-east-1' }, signal()),
  ])
  assert.is(denied.kind, 'error')
  if (denied.kind !== 'error') return
  assert.is(denied.code, 'AccessDenied')
  assert.match(denied.hint ?? '', /redshift:DescribeClusters .* in account 111111111111; it was denied in eu-west-1/)
  assert.not.match(denied.hint ?? '', /sts:AssumeRole|DescribePartners/)
  assert.ok(denied.requestId, 'the request id of the denial is kept')
  assert.is(discovered(allowed).length, 3)
  assert.is(server.callCount({ action: 'DescribeClusters', region: 'eu-west-1' }), 1, 'AccessDenied is not retried')
})

clusters('clusters :: a throttled page is retried with the session\'s retry strategy and counted, no cluster lost', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', manyClusters(150))
  server.discovery.throttleDescribeClusters(MANAGEMENT, 'eu-west-1', 1)
  const s = await open()
  assert.is(discovered(await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal())).length, 150)
  assert.equal(
    clusterCalls().map((c) => `${c.status} ${c.code ?? ''}`.trim()),
    ['400 Throttling', '200', '200'],
  )
  const { rates, ...counts } = s.stats?.() ?? {}
  assert.equal(counts, { apiCalls: 4, retries: 1, throttled: 1 }, 'GetCallerIdentity, then 3 DescribeClusters')
  // Discovery is paced by the same limiter as DescribePartners: the throttled page taught it a rate.
  assert.equal(rates?.map((r) => [r.accountId, r.region]), [[MANAGEMENT, 'eu-west-1']])
})

clusters('clusters :: the second page throttled on every attempt: an error of the scope, never the first page alone', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', manyClusters(150))
  server.discovery.throttleDescribeClusters(MANAGEMENT, 'eu-west-1', 2, 1)
  const s = await open()
  const result = await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal())
  assert.is(result.kind, 'error', JSON.stringify(result).slice(0, 200))
  if (result.kind !== 'error') return
  assert.is(result.code, 'Throttling')
  assert.match(result.hint ?? '', /still throttled after 2 attempts/)
  assert.equal(
    clusterCalls().map((c) => `${c.status} ${c.params.Marker ? 'page 2' : 'page 1'}`),
    ['200 page 1', '400 page 2', '400 page 2'],
  )
})

/** Bodies a 200 answer must never be read from as "no clusters" (or as fewer clusters or tags than it holds). */
const MALFORMED: Array<[string, string, RegExp]> = [
  ['items named <member>', describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(2)).replaceAll('<Cluster>', '<member>').replaceAll('</Cluster>', '</member>'), /item 1 of <Clusters> is <member>, not <Cluster>/],
  ['tags named <member>', describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(1)).replaceAll('<Tag>', '<member>').replaceAll('</Tag>', '</member>'), /tag 1 of item 1 .* is <member>, not <Tag>/],
  ['an answer cut off', describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(2)).slice(0, 400), /not well-formed XML/],
  ['an empty body', '', /the body is empty/],
  ['an HTML page', '<html><body>Sign in to the Wi-Fi</body></html>', /root element is <html>/],
  ['another answer', describeClustersXml(MANAGEMENT, 'eu-west-1', []).replaceAll('DescribeClusters', 'DescribePartners'), /root element is <DescribePartnersResponse>/],
  ['no <Clusters> list', describeClustersXml(MANAGEMENT, 'eu-west-1', []).replace('      <Clusters/>\n', ''), /has no <Clusters>/],
  ['two <Clusters> lists', describeClustersXml(MANAGEMENT, 'eu-west-1', []).replace('<Clusters/>', '<Clusters/><Clusters/>'), /has 2 <Clusters> elements/],
  ['a cluster without identifier', describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(1)).replace(/<ClusterIdentifier>.*<\/ClusterIdentifier>/, ''), /has no <ClusterIdentifier>/],
  ['an identifier no cluster can have', describeClustersXml(MANAGEMENT, 'eu-west-1', [{ cluster: 'x' }]).replace('<ClusterIdentifier>x<', '<ClusterIdentifier>../x<'), /ClusterIdentifier that no Redshift cluster can have/],
  ['an attribute', describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(1)).replace('<Tags>', '<Tags Tag="x">'), /<Tags> has an attribute/],
]

for (const [what, body, problem] of MALFORMED) {
  clusters(`clusters :: ${what}: InvalidResponse, never a shorter or empty list`, async () => {
    server.discovery.setDescribeClustersBody(MANAGEMENT, 'eu-west-1', body)
    const s = await open()
    const result = await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal())
    assert.is(result.kind, 'error', JSON.stringify(result))
    if (result.kind !== 'error') return
    assert.is(result.code, 'InvalidResponse')
    assert.match(result.message, problem)
    assert.match(result.hint ?? '', /something other than the Redshift API answered/)
    assert.is(clusterCalls().length, 1, 'an invalid answer is not retried')
  })
}

clusters('clusters :: the SDK alone reads <member> items as no clusters (why answers are checked)', async () => {
  server.discovery.setDescribeClustersBody(MANAGEMENT, 'eu-west-1', MALFORMED[0]![1])
  const client = new RedshiftClient({ region: 'eu-west-1', endpoint: server.url, credentials: { accessKeyId: BASE_KEY, secretAccessKey: 'x' }, maxAttempts: 1 })
  try {
    const output = await client.send(new DescribeClustersCommand({}))
    assert.equal(output.Clusters ?? [], [], 'if the SDK ever refuses such an answer itself, this check can go')
  } finally {
    client.destroy()
  }
})

clusters('clusters :: a Marker handed out twice: InvalidResponse instead of paging forever', async () => {
  const page = describeClustersXml(MANAGEMENT, 'eu-west-1', manyClusters(1), 'same-marker')
  server.discovery.setDescribeClustersBody(MANAGEMENT, 'eu-west-1', page)
  const s = await open()
  const result = await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal())
  assert.is(result.kind, 'error')
  if (result.kind === 'error') assert.is(result.code, 'InvalidResponse')
  assert.ok(clusterCalls().length <= 2, `${clusterCalls().length} requests`)
})

clusters('clusters :: each account is looked at with its own assumed role, assumed once for every region', async () => {
  server.discovery.setClusters(ACCOUNT_A, 'eu-west-1', [{ cluster: 'a-eu' }])
  server.discovery.setClusters(ACCOUNT_A, 'us-east-1', [{ cluster: 'a-us' }])
  server.discovery.setClusters(ACCOUNT_B, 'eu-west-1', [{ cluster: 'b-eu' }])
  const s = await open()
  const scopes: DiscoveryScope[] = [
    { accountId: ACCOUNT_A, region: 'eu-west-1', assumeRole: ROLE(ACCOUNT_A) },
    { accountId: ACCOUNT_A, region: 'us-east-1', assumeRole: ROLE(ACCOUNT_A) },
    { accountId: ACCOUNT_B, region: 'eu-west-1', assumeRole: ROLE(ACCOUNT_B) },
  ]
  const results = await Promise.all(scopes.map((scope) => s.discover(scope, signal())))
  assert.equal(
    results.map((r) => discovered(r).map((c) => c.cluster)),
    [['a-eu'], ['a-us'], ['b-eu']],
  )
  const assumed = server.calls.filter((c) => c.action === 'AssumeRole')
  assert.equal(assumed.map((c) => c.params.RoleArn).sort(), [ROLE(ACCOUNT_A), ROLE(ACCOUNT_B)], 'one AssumeRole per role')
  assert.ok(assumed.every((c) => c.accessKeyId === BASE_KEY), 'the base credentials assume the roles')
  for (const call of clusterCalls()) assert.is(call.accessKeyId, `ASIA${call.accountId}`, 'signed with the assumed credentials of the account looked at')
  assert.equal(clusterCalls().map((c) => `${c.accountId} ${c.region}`).sort(), [`${ACCOUNT_A} eu-west-1`, `${ACCOUNT_A} us-east-1`, `${ACCOUNT_B} eu-west-1`])
})

clusters('clusters :: a role that cannot be assumed: an error naming sts:AssumeRole and the trust policy, no DescribeClusters sent', async () => {
  server.discovery.setClusters(ACCOUNT_B, 'eu-west-1', [{ cluster: 'b-eu' }])
  server.discovery.denyAssumeRole(ROLE(ACCOUNT_C))
  const s = await open()
  const [denied, fine] = await Promise.all([
    s.discover({ accountId: ACCOUNT_C, region: 'eu-west-1', assumeRole: ROLE(ACCOUNT_C) }, signal()),
    s.discover({ accountId: ACCOUNT_B, region: 'eu-west-1', assumeRole: ROLE(ACCOUNT_B) }, signal()),
  ])
  assert.is(denied.kind, 'error')
  if (denied.kind !== 'error') return
  assert.is(denied.code, 'AccessDenied')
  assert.match(denied.hint ?? '', /sts:AssumeRole/)
  assert.match(denied.hint ?? '', /trust policy/)
  assert.ok(denied.hint?.includes(ROLE(ACCOUNT_C)))
  assert.not.match(denied.hint ?? '', /redshift:Describe/)
  assert.is(server.callCount({ action: 'DescribeClusters', accountId: ACCOUNT_C }), 0)
  assert.is(discovered(fine).length, 1)
})

clusters('clusters :: without a role, an account other than the credentials\' own: AccountMismatch, nothing listed; the account is asked once', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', [{ cluster: 'management-cluster' }])
  server.discovery.setClusters(ACCOUNT_A, 'eu-west-1', [{ cluster: 'a-cluster' }])
  const s = await open()
  const results = await Promise.all([
    s.discover({ accountId: ACCOUNT_A, region: 'eu-west-1' }, signal()),
    s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal()),
    s.discover({ accountId: MANAGEMENT, region: 'us-east-1' }, signal()),
  ])
  const [other, own, ownElsewhere] = results
  assert.is(other!.kind === 'error' && other!.code, 'AccountMismatch', 'the management account\'s clusters are never reported as account A\'s')
  assert.match(other!.kind === 'error' ? other!.message : '', /of account 111111111111, not 222222222222/)
  assert.match(other!.kind === 'error' ? (other!.hint ?? '') : '', /\{accountId\}/)
  assert.equal(discovered(own!).map((c) => c.cluster), ['management-cluster'])
  assert.equal(discovered(ownElsewhere!), [])
  assert.is(server.callCount({ action: 'GetCallerIdentity' }), 1, 'once per session')
  assert.is(clusterCalls().length, 2, 'no DescribeClusters for the other account')
})

clusters('clusters :: a role in another account than the scope: AccountMismatch before anything is sent', async () => {
  const s = await open()
  const result = await s.discover({ accountId: ACCOUNT_A, region: 'eu-west-1', assumeRole: ROLE(ACCOUNT_B) }, signal())
  assert.is(result.kind === 'error' && result.code, 'AccountMismatch')
  assert.is(server.calls.length, 0)
})

clusters('clusters :: DescribePartners through the same session still works and is still checked (the shared client)', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', [{ cluster: 'analytics-prod' }])
  server.setCluster({ accountId: MANAGEMENT, region: 'eu-west-1', cluster: 'analytics-prod', integrations: [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' }] })
  const s = await open()
  const [found] = discovered(await s.discover({ accountId: MANAGEMENT, region: 'eu-west-1' }, signal()))
  const observed = await s.observe({ accountId: MANAGEMENT, region: 'eu-west-1', cluster: found!.cluster }, signal())
  assert.is(observed.kind, 'observed')
  server.setBehaviour({ accountId: MANAGEMENT, region: 'eu-west-1', cluster: 'analytics-prod' }, { body: describeClustersXml(MANAGEMENT, 'eu-west-1', []) })
  const refused = await s.observe({ accountId: MANAGEMENT, region: 'eu-west-1', cluster: 'analytics-prod' }, signal())
  assert.is(refused.kind === 'error' && refused.code, 'InvalidResponse', 'a DescribeClusters answer to DescribePartners is still refused')
  assert.is(s.stats?.().apiCalls, 4, 'GetCallerIdentity, DescribeClusters, 2 DescribePartners')
})

clusters.run()

// ------------------------------------------------------------------ the server's DescribeClusters, through the SDK

const wire = setUp('discovery: DescribeClusters on the server')

async function describe(input: DescribeClustersCommandInput, accessKeyId = BASE_KEY) {
  const client = new RedshiftClient({ region: 'eu-west-1', endpoint: server.url, credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 })
  try {
    return await client.send(new DescribeClustersCommand(input))
  } finally {
    client.destroy()
  }
}

const TAGGED: TestCluster[] = [
  { cluster: 'prod-a', tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'data' }] },
  { cluster: 'stage-a', tags: [{ key: 'env', value: 'staging' }] },
  { cluster: 'team-only', tags: [{ key: 'team', value: 'prod' }] },
  { cluster: 'untagged' },
]

wire('server :: TagKeys and TagValues filter on the server', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', TAGGED)
  const names = async (input: DescribeClustersCommandInput) => ((await describe(input)).Clusters ?? []).map((c) => c.ClusterIdentifier)
  assert.equal(await names({ TagKeys: ['env'] }), ['prod-a', 'stage-a'])
  assert.equal(await names({ TagValues: ['prod'] }), ['prod-a', 'team-only'])
  assert.equal(await names({ TagKeys: ['env'], TagValues: ['prod'] }), ['prod-a'])
  assert.equal(await names({ TagKeys: ['env', 'team'] }), ['prod-a', 'stage-a', 'team-only'])
  assert.equal(await names({}), ['prod-a', 'stage-a', 'team-only', 'untagged'])
  const sent = server.calls.find((c) => c.params['TagKeys.TagKey.2'] !== undefined)
  assert.equal([sent?.params['TagKeys.TagKey.1'], sent?.params['TagKeys.TagKey.2']], ['env', 'team'], 'the SDK sends TagKeys.TagKey.N')
})

wire('server :: ClusterIdentifier, MaxRecords bounds, unknown Marker, unknown key', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', TAGGED)
  assert.equal(((await describe({ ClusterIdentifier: 'stage-a' })).Clusters ?? []).map((c) => c.ClusterIdentifier), ['stage-a'])
  const code = async (input: DescribeClustersCommandInput, key?: string) => {
    try {
      await describe(input, key)
      return 'no error'
    } catch (error) {
      return `${(error as Error).name} ${(error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode}`
    }
  }
  assert.is(await code({ ClusterIdentifier: 'nope' }), 'ClusterNotFoundFault 404')
  assert.is(await code({ MaxRecords: 19 }), 'InvalidParameterValue 400')
  assert.is(await code({ MaxRecords: 101 }), 'InvalidParameterValue 400')
  assert.is(await code({ MaxRecords: 20 }), 'no error')
  assert.is(await code({ Marker: 'not-a-marker' }), 'InvalidParameterValue 400')
  assert.is(await code({}, 'AKIDUNKNOWN'), 'InvalidClientTokenId 403')
})

wire('server :: pages of MaxRecords 20 with tags, and a Marker only while more remain', async () => {
  server.discovery.setClusters(MANAGEMENT, 'eu-west-1', manyClusters(45))
  const first = await describe({ MaxRecords: 20 })
  assert.is(first.Clusters?.length, 20)
  assert.ok(first.Marker)
  const second = await describe({ MaxRecords: 20, Marker: first.Marker })
  const third = await describe({ MaxRecords: 20, Marker: second.Marker })
  assert.is(third.Clusters?.length, 5)
  assert.is(third.Marker, undefined)
  assert.equal(third.Clusters?.[4]?.Tags, [{ Key: 'index', Value: '45' }])
})

wire.run()

// ------------------------------------------------------------------ Organizations

const OU_DATA = 'ou-ab12-11111111'
const OU_DATA_NESTED = 'ou-ab12-22222222'
const OU_SANDBOX = 'ou-ab12-33333333'

/** root -> OU_DATA (A) -> OU_DATA_NESTED (B, and 25 more); root -> OU_SANDBOX (C); the management account at the root. */
function organization(extraAccounts = 0): TestOrganization {
  const extra = Array.from({ length: extraAccounts }, (_, i) => ({ id: String(500000000000 + i), name: `member-${i}`, status: 'ACTIVE' as const, parentId: 'r-ab12' }))
  return {
    managementAccountId: MANAGEMENT,
    rootId: 'r-ab12',
    ous: [
      { id: OU_DATA_NESTED, name: 'nested', parentId: OU_DATA },
      { id: OU_DATA, name: 'data', parentId: 'r-ab12' },
      { id: OU_SANDBOX, name: 'sandbox', parentId: 'r-ab12' },
    ],
    accounts: [
      { id: MANAGEMENT, name: 'management', status: 'ACTIVE', parentId: 'r-ab12' },
      { id: ACCOUNT_A, name: 'data-prod', status: 'ACTIVE', parentId: OU_DATA },
      { id: ACCOUNT_B, name: 'data-nested <b>', status: 'SUSPENDED', parentId: OU_DATA_NESTED },
      ...Array.from({ length: 25 }, (_, i) => ({ id: String(600000000000 + i), name: `nested-${i}`, status: 'ACTIVE' as const, parentId: OU_DATA_NESTED })),
      { id: ACCOUNT_C, name: 'sandbox', status: 'ACTIVE', parentId: OU_SANDBOX },
      ...extra,
    ],
  }
}

const orgs = setUp('discovery: Organizations')

orgs('organizations :: the whole organization: ListAccounts, 45 accounts in 3 pages of 20, every status kept', async () => {
  const org = organization(16)
  assert.is(org.accounts.length, 45)
  server.discovery.setOrganization(org)
  const s = await open()
  const accounts = listed(await s.listAccounts({}, signal()))
  assert.equal(
    accounts,
    org.accounts.map((a) => ({ accountId: a.id, name: a.name, status: a.status })),
  )
  const calls = server.calls.filter((c) => c.action === 'ListAccounts')
  assert.is(calls.length, 3)
  assert.is(server.calls.length, 3, 'nothing but the pages')
  assert.ok(calls.every((c) => c.params.MaxResults === '20' && c.accessKeyId === BASE_KEY && c.status === 200))
  assert.is(calls[0]!.params.NextToken, undefined)
  assert.ok(calls[1]!.params.NextToken && calls[2]!.params.NextToken)
  assert.is(accounts.find((a) => a.accountId === ACCOUNT_B)?.status, 'SUSPENDED')
  assert.is(s.stats?.().apiCalls, 3)
})

orgs('organizations :: an OU, recursively: the nested OU\'s accounts found (every page), the sibling OU\'s not', async () => {
  server.discovery.setOrganization(organization())
  const s = await open()
  const accounts = listed(await s.listAccounts({ ous: [OU_DATA] }, signal()))
  const ids = accounts.map((a) => a.accountId)
  assert.ok(ids.includes(ACCOUNT_A))
  assert.ok(ids.includes(ACCOUNT_B), 'an account in a nested OU')
  assert.is(ids.length, 27)
  assert.not.ok(ids.includes(ACCOUNT_C), 'an account in another OU')
  assert.not.ok(ids.includes(MANAGEMENT), 'an account at the root')
  const count = (action: string, parent: string) => server.calls.filter((c) => c.action === action && c.params.ParentId === parent).length
  assert.is(count('ListAccountsForParent', OU_DATA), 1)
  assert.is(count('ListAccountsForParent', OU_DATA_NESTED), 2, '26 accounts: two pages')
  assert.is(count('ListOrganizationalUnitsForParent', OU_DATA), 1)
  assert.is(count('ListOrganizationalUnitsForParent', OU_DATA_NESTED), 1)
  assert.is(server.calls.length, 5, 'nothing but the pages')
})

orgs('organizations :: an OU listed with its parent is listed once; every account once', async () => {
  server.discovery.setOrganization(organization())
  const s = await open()
  const accounts = listed(await s.listAccounts({ ous: [OU_DATA_NESTED, OU_DATA, OU_DATA] }, signal()))
  assert.is(new Set(accounts.map((a) => a.accountId)).size, accounts.length)
  assert.is(accounts.length, 27)
  assert.is(server.calls.filter((c) => c.params.ParentId === OU_DATA_NESTED).length, 3, 'the nested OU: 2 account pages and 1 OU page, not again under its parent')
})

orgs('organizations :: the root id lists the whole tree', async () => {
  server.discovery.setOrganization(organization(16))
  const s = await open()
  assert.is(listed(await s.listAccounts({ ous: ['r-ab12'] }, signal())).length, 45)
})

const ORG_FAILURES: Array<[string, () => void, AccountListingRequest, string, RegExp]> = [
  ['denied', () => server.discovery.denyOrganizations(), {}, 'AccessDeniedException', /organizations:ListAccounts.*management account or of a delegated administrator/],
  ['denied, with OUs', () => server.discovery.denyOrganizations(), { ous: [OU_DATA] }, 'AccessDeniedException', /organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent/],
  ['called from a member account', () => server.discovery.setCallerAccount(BASE_KEY, ACCOUNT_A), {}, 'AccessDeniedException', /management account/],
  ['no organization', () => server.discovery.setOrganization(undefined), {}, 'AWSOrganizationsNotInUseException', /not in an AWS Organization/],
  ['an OU that does not exist', () => undefined, { ous: ['ou-ab12-99999999'] }, 'ParentNotFoundException', /discover\.organization\.ous/],
  ['an answer with a lower-case list', () => server.discovery.setOrganizationsBody('ListAccounts', '{"accounts":[{"Id":"222222222222","Status":"ACTIVE"}]}'), {}, 'InvalidResponse', /something other than/],
  ['an HTML page', () => server.discovery.setOrganizationsBody('ListAccounts', '<html>portal</html>'), {}, 'InvalidResponse', /something other than/],
  ['an account without status', () => server.discovery.setOrganizationsBody('ListAccounts', '{"Accounts":[{"Id":"222222222222"}]}'), {}, 'InvalidResponse', /something other than/],
  ['an OU without id', () => server.discovery.setOrganizationsBody('ListOrganizationalUnitsForParent', '{"OrganizationalUnits":[{"Name":"x"}]}'), { ous: [OU_DATA] }, 'InvalidResponse', /something other than/],
]

for (const [what, arrange, request, code, hint] of ORG_FAILURES) {
  orgs(`organizations :: ${what}: ${code}, never a shorter list`, async () => {
    server.discovery.setOrganization(organization())
    arrange()
    const s = await open()
    const result = await s.listAccounts(request, signal())
    assert.is(result.kind, 'error', JSON.stringify(result))
    if (result.kind !== 'error') return
    assert.is(result.code, code)
    assert.match(result.hint ?? '', hint)
  })
}

orgs('organizations :: the SDK is loaded only when an organization is listed', async () => {
  // A child process, so that no other suite has loaded the module already.
  // Loaded either way: imported (an ES module resolve hook sees it) or required (it is in require's cache).
  const script = `
    import { createRequire, register } from 'node:module'
    register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("client-organizations")) console.log("LOADED " + s); return r }'))
    const required = () => { if (Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('client-organizations'))) console.log('LOADED (required)') }
    process.env.AWS_ACCESS_KEY_ID = 'k'; process.env.AWS_SECRET_ACCESS_KEY = 's'
    const { default: aws } = await import(${JSON.stringify(`${ROOT}dist/plugins/aws/index.js`)})
    const session = await aws.open({ endpointUrl: ${JSON.stringify(server.url)}, maxAttempts: 1 }, { cwd: '.', signal: new AbortController().signal, env: process.env })
    await session.discover({ accountId: '111111111111', region: 'eu-west-1' }, new AbortController().signal)
    required()
    console.log('DISCOVERED')
    await session.listAccounts({}, new AbortController().signal)
    required()
    console.log('LISTED')
    await session.close()
  `
  const out = await new Promise<string>((resolve) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 20000 }, (_err, stdout, stderr) => resolve(stdout + stderr)),
  )
  assert.match(out, /DISCOVERED[^]*LOADED[^]*LISTED/, out)
  assert.not.match(out.slice(0, out.indexOf('DISCOVERED')), /LOADED/, 'nothing of it before the first listing')
})

orgs.run()

// ------------------------------------------------------------------ the CLI, end to end

const e2e = setUp('discovery: partner-drift check through the aws source')

e2e('check :: an OU of the organization with one account excluded, 2 regions, 2 pages of clusters, a denied region', async () => {
  const EXCLUDED = '999999999999'
  server.discovery.setCallerAccount('AKIDPARTNERDRIFTTEST', MANAGEMENT)
  server.discovery.setOrganization({
    managementAccountId: MANAGEMENT,
    rootId: 'r-ab12',
    ous: [
      { id: OU_DATA, name: 'data', parentId: 'r-ab12' },
      { id: OU_DATA_NESTED, name: 'nested', parentId: OU_DATA },
      { id: OU_SANDBOX, name: 'sandbox', parentId: 'r-ab12' },
    ],
    accounts: [
      { id: MANAGEMENT, name: 'management', status: 'ACTIVE', parentId: 'r-ab12' },
      { id: ACCOUNT_A, name: 'a', status: 'ACTIVE', parentId: OU_DATA },
      { id: ACCOUNT_B, name: 'b', status: 'ACTIVE', parentId: OU_DATA_NESTED },
      { id: EXCLUDED, name: 'excluded', status: 'ACTIVE', parentId: OU_DATA },
      { id: '555555555555', name: 'closed', status: 'SUSPENDED', parentId: OU_DATA },
      { id: ACCOUNT_C, name: 'sandbox', status: 'ACTIVE', parentId: OU_SANDBOX },
    ],
  })
  const bulk = manyClusters(120, 'bulk').map((c) => ({ ...c, tags: [{ key: 'env', value: 'dev' }] }))
  server.discovery.setClusters(ACCOUNT_A, 'eu-west-1', [{ cluster: 'analytics-prod', tags: [{ key: 'env', value: 'prod' }] }, { cluster: 'shadow' }, ...bulk])
  server.discovery.setClusters(ACCOUNT_B, 'eu-west-1', [{ cluster: 'b-prod', tags: [{ key: 'env', value: 'prod' }] }])
  server.discovery.setClusters(ACCOUNT_C, 'eu-west-1', [{ cluster: 'sandbox-prod', tags: [{ key: 'env', value: 'prod' }] }])
  server.discovery.denyDescribeClusters(ACCOUNT_B, 'us-east-1')
  const fresh = new Date(Date.now() - 3_600_000).toISOString()
  const integration = (PartnerName: string) => ({ DatabaseName: 'dev', PartnerName, Status: 'Active', UpdatedAt: fresh })
  server.setCluster({ accountId: ACCOUNT_A, region: 'eu-west-1', cluster: 'analytics-prod', integrations: [integration('Fivetran')] })
  server.setCluster({ accountId: ACCOUNT_A, region: 'eu-west-1', cluster: 'shadow', integrations: [integration('Segment'), integration('Stitch')] })
  server.setCluster({ accountId: ACCOUNT_B, region: 'eu-west-1', cluster: 'b-prod', integrations: [] })
  for (const c of bulk) server.setCluster({ accountId: ACCOUNT_A, region: 'eu-west-1', cluster: c.cluster, integrations: [] })
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-discovery-'))
  try {
    const manifest = join(dir, 'partner-drift.yaml')
    await writeFile(
      manifest,
      `version: 1
defaults: { absent: [Segment] }
discover:
  organization: { ous: [${OU_DATA}], exclude: ["${EXCLUDED}"] }
  regions: [eu-west-1, us-east-1]
  assumeRole: arn:aws:iam::{accountId}:role/partner-drift-read
rules:
  - name: prod gets Fivetran
    match: { tags: { env: prod } }
    databases:
      - database: dev
        partners: [{ partner: Fivetran }]
  - name: dev clusters
    match: { tags: { env: dev } }
unmanaged: fail
`,
    )
    const run = await runCli(['check', manifest, '--endpoint-url', server.url, '--format', 'json', '--source-option', 'retryDelayScale=0.01'], {
      env: awsTestEnv({ AWS_ENDPOINT_URL_STS: server.url, AWS_ENDPOINT_URL_ORGANIZATIONS: server.url }),
    })
    assert.is(run.code, 1, run.stderr)
    const report = JSON.parse(run.stdout) as { findings: Array<{ kind: string; accountId?: string; region?: string; cluster?: string; partner?: string; cause?: { code?: string } }> }
    assert.equal(
      report.findings.map((f) => `${f.kind} ${f.accountId}/${f.region}/${f.cluster} ${f.partner ?? f.cause?.code ?? ''}`).sort(),
      [
        `error ${ACCOUNT_B}/us-east-1/* AccessDenied`,
        `forbidden ${ACCOUNT_A}/eu-west-1/shadow Segment`,
        `missing ${ACCOUNT_B}/eu-west-1/b-prod Fivetran`,
        `unmanaged ${ACCOUNT_A}/eu-west-1/shadow Stitch`,
      ],
    )
    const count = (action: string, accountId?: string) => server.calls.filter((c) => c.action === action && (accountId === undefined || c.accountId === accountId)).length
    assert.is(count('DescribeClusters', ACCOUNT_A), 3, 'account A: 2 pages in eu-west-1, 1 in us-east-1')
    assert.is(count('DescribeClusters', ACCOUNT_B), 2)
    assert.is(count('DescribeClusters'), 5, 'the excluded, suspended and out-of-OU accounts are never looked in')
    assert.is(count('DescribePartners'), 123, 'one per discovered cluster')
    assert.equal([count('ListAccountsForParent'), count('ListOrganizationalUnitsForParent'), count('ListAccounts')], [2, 2, 0])

    // Recorded, then replayed: the snapshot holds discovery too, and gives the same findings offline.
    const recorded = join(dir, 'snapshot.json')
    const env = awsTestEnv({ AWS_ENDPOINT_URL_STS: server.url, AWS_ENDPOINT_URL_ORGANIZATIONS: server.url })
    const snapshot = await runCli(['snapshot', manifest, '--endpoint-url', server.url, '--out', recorded, '--source-option', 'retryDelayScale=0.01'], { env })
    assert.is(snapshot.code, 1, 'a region could not be looked at')
    assert.match(snapshot.stderr, `not discovered: [source aws] ${ACCOUNT_B}/us-east-1: AccessDenied`)
    const replay = await runCli(['check', manifest, '--source', `snapshot:${recorded}`, '--format', 'json'])
    assert.is(replay.code, 1)
    // The live check and the snapshot run are two runs: only the server's request ids differ.
    const brief = (r: { findings: Array<Record<string, unknown>> }) =>
      r.findings.map(({ kind, accountId, region, cluster, database, partner, message }) => ({ kind, accountId, region, cluster, database, partner, message: String(message).replace(/ \(request id [^)]*\)/, '') }))
    assert.equal(brief(JSON.parse(replay.stdout)), brief(report as never))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

e2e.run()

// ------------------------------------------------------------------ AWS CLI cross-check

const CLI_KEY = 'AKIDTESTCLI'

function runAws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k]
  Object.assign(env, { AWS_ACCESS_KEY_ID: CLI_KEY, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' })
  return new Promise((resolve) =>
    execFile('aws', [...args, '--endpoint-url', server.url, '--output', 'json'], { env, timeout: 30000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    }),
  )
}

const cli = setUp('discovery: AWS CLI cross-check')
const awsPath = findOnPath('aws')
const notInstalled = () => {
  process.stderr.write('AWS CLI NOT INSTALLED: the independent cross-check of the discovery test server did not run\n')
}

cli('server :: aws redshift describe-clusters pages through 230 clusters and reads what the SDK reads', async () => {
  if (!awsPath) return notInstalled()
  server.discovery.setCallerAccount(CLI_KEY, ACCOUNT_A)
  server.discovery.setClusters(ACCOUNT_A, 'eu-west-1', manyClusters(230))
  const res = await runAws(['redshift', 'describe-clusters', '--region', 'eu-west-1'])
  assert.is(res.code, 0, res.stderr)
  const fromCli = (JSON.parse(res.stdout) as { Clusters: Array<{ ClusterIdentifier: string; ClusterStatus: string; Tags: Array<{ Key: string; Value: string }> }> }).Clusters
  assert.is(server.callCount({ action: 'DescribeClusters' }), 3, 'the CLI follows the Marker too')
  server.discovery.setCallerAccount(BASE_KEY, ACCOUNT_A)
  const s = await open()
  const fromSdk = discovered(await s.discover({ accountId: ACCOUNT_A, region: 'eu-west-1' }, signal()))
  assert.equal(
    fromCli.map((c) => ({ cluster: c.ClusterIdentifier, status: c.ClusterStatus, tags: c.Tags.map((t) => ({ key: t.Key, value: t.Value })) })),
    fromSdk,
  )
  const filtered = await runAws(['redshift', 'describe-clusters', '--region', 'eu-west-1', '--tag-keys', 'env', '--tag-values', 'prod'])
  assert.is(filtered.code, 0, filtered.stderr)
  assert.is((JSON.parse(filtered.stdout) as { Clusters: unknown[] }).Clusters.length, 77)
})

cli('server :: aws redshift describe-clusters exits 255 on ClusterNotFound and AccessDenied', async () => {
  if (!awsPath) return notInstalled()
  server.discovery.setCallerAccount(CLI_KEY, ACCOUNT_A)
  const missing = await runAws(['redshift', 'describe-clusters', '--region', 'eu-west-1', '--cluster-identifier', 'nope'])
  assert.is(missing.code, 255)
  assert.match(missing.stderr, /\(ClusterNotFound\).*Cluster nope not found\./)
  server.discovery.denyDescribeClusters(ACCOUNT_A, 'us-east-1')
  const denied = await runAws(['redshift', 'describe-clusters', '--region', 'us-east-1'])
  assert.is(denied.code, 255)
  assert.match(denied.stderr, /\(AccessDenied\).*redshift:DescribeClusters/)
})

cli('server :: aws organizations list-accounts, list-accounts-for-parent and list-organizational-units-for-parent read what the SDK reads', async () => {
  if (!awsPath) return notInstalled()
  server.discovery.setCallerAccount(CLI_KEY, MANAGEMENT)
  server.discovery.setOrganization(organization(16))
  const all = await runAws(['organizations', 'list-accounts', '--region', 'us-east-1'])
  assert.is(all.code, 0, all.stderr)
  const accounts = (JSON.parse(all.stdout) as { Accounts: Array<{ Id: string; Name: string; Status: string; JoinedTimestamp: string | number }> }).Accounts
  assert.is(server.callCount({ action: 'ListAccounts' }), 3, 'the CLI follows NextToken, 20 a page')
  const s = await open()
  assert.equal(
    accounts.map((a) => ({ accountId: a.Id, name: a.Name, status: a.Status })),
    listed(await s.listAccounts({}, signal())),
  )
  // Epoch seconds on the wire: AWS CLI v1 prints them as they came, v2 as ISO 8601.
  const joined = accounts[0]!.JoinedTimestamp as string | number
  assert.is(new Date(typeof joined === 'number' ? joined * 1000 : joined).toISOString(), '2024-03-01T12:00:00.000Z')
  const inOu = await runAws(['organizations', 'list-accounts-for-parent', '--parent-id', OU_DATA_NESTED, '--region', 'us-east-1'])
  assert.is(inOu.code, 0, inOu.stderr)
  assert.is((JSON.parse(inOu.stdout) as { Accounts: unknown[] }).Accounts.length, 26)
  const ous = await runAws(['organizations', 'list-organizational-units-for-parent', '--parent-id', 'r-ab12', '--region', 'us-east-1'])
  assert.is(ous.code, 0, ous.stderr)
  assert.equal((JSON.parse(ous.stdout) as { OrganizationalUnits: Array<{ Id: string }> }).OrganizationalUnits.map((o) => o.Id), [OU_DATA, OU_SANDBOX])
  const denied = await runAws(['organizations', 'list-accounts-for-parent', '--parent-id', 'ou-ab12-99999999', '--region', 'us-east-1'])
  assert.is(denied.code, 255)
  assert.match(denied.stderr, /\(ParentNotFoundException\)/)
  const tooMany = await runAws(['organizations', 'list-accounts', '--region', 'us-east-1', '--max-results', '21', '--no-paginate'])
  assert.is(tooMany.code, 255)
  assert.match(tooMany.stderr, /\(InvalidInputException\)/)
})

cli.run()
