/** Sharding a check over a CI matrix and merging the shard reports back into one verdict. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { assignShards, parseShard } from '../src/shard/assign-shards.js'
import { awsTestEnv, reportSchemaErrors, ROOT, runCli } from './helpers/cli.js'
import { type RedshiftTestServer, withRedshiftServer } from './helpers/redshift-server.js'

const assignment = suite('shard assignment')

assignment('I/N is 1-based and bounded', () => {
  assert.equal(parseShard('2/4'), { index: 2, count: 4 })
  for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '1/257']) assert.ok('problem' in parseShard(bad), bad)
})

assignment('deterministic, balanced by declared work, and stable when an unrelated scope is added', () => {
  const work = new Map(Array.from({ length: 200 }, (_, i) => [`${String(100000000000 + i)}/eu-west-1`, 1 + (i % 7) * 3]))
  const once = assignShards(work, 4)
  assert.equal([...assignShards(new Map([...work].reverse()), 4)].sort(), [...once].sort(), 'the order scopes are named in does not matter')
  const load = [0, 0, 0, 0, 0]
  for (const [key, shard] of once) load[shard]! += work.get(key)!
  const total = [...work.values()].reduce((a, b) => a + b, 0)
  for (const shard of [1, 2, 3, 4]) assert.ok(load[shard]! <= Math.ceil((1.25 * total) / 4), `shard ${shard} holds ${load[shard]} of ${total}`)
  const grown = assignShards(new Map([...work, ['999999999999/ap-south-1', 1]]), 4)
  const moved = [...once].filter(([key, shard]) => grown.get(key) !== shard).length
  assert.ok(moved <= 2, `${moved} scopes moved when one was added`)
})

assignment.run()

const sharding = suite('check --shard and merge')
let dir = ''
sharding.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shard-'))
})
sharding.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A report without what differs between runs by nature: timings, and when it was written. */
function comparable(json: string): unknown {
  const report = JSON.parse(json) as { stats?: { elapsedMs?: number }; generatedAt?: string }
  delete report.generatedAt
  if (report.stats) delete report.stats.elapsedMs
  return report
}

for (const [name, manifest, snapshot] of [
  ['rules and discovery', 'examples/rules/partner-drift.yaml', 'examples/rules/snapshot.json'],
  ['declared clusters', 'examples/partner-drift.yaml', 'examples/snapshot.json'],
  // Exceptions used in one shard only, one used nowhere, and a policy: applied per shard, the same verdict.
  ['policy and exceptions', 'test/fixtures/shard-policy.yaml', 'examples/snapshot.json'],
] as const) {
  sharding(`${name}: 4 shards, run as separate processes and merged, give the single run's report; a missing shard fails the merge`, async () => {
    const args = ['check', `${ROOT}${manifest}`, '--source', `snapshot:${ROOT}${snapshot}`, '--format', 'json']
    const single = await runCli(args)
    const shards = await Promise.all([1, 2, 3, 4].map((i) => runCli([...args, '--shard', `${i}/4`])))
    const files = await Promise.all(
      shards.map(async (run, i) => {
        assert.equal(reportSchemaErrors(JSON.parse(run.stdout)), [], `shard ${i + 1}`)
        const file = join(dir, `${name.replaceAll(' ', '-')}-${i + 1}.json`)
        await writeFile(file, run.stdout)
        return file
      }),
    )
    const merged = await runCli(['merge', ...files, '--format', 'json'])
    assert.is(merged.code, single.code, merged.stderr)
    assert.equal(comparable(merged.stdout), comparable(single.stdout))
    const text = await runCli(['merge', ...files])
    assert.is(text.code, single.code)
    assert.match(text.stdout, 'Outcome: ')

    const missing = await runCli(['merge', ...files.slice(0, 3)])
    assert.is(missing.code, 1)
    assert.match(missing.stderr, 'shard 4/4 is missing')
    assert.match(missing.stderr, /Code: merge-incomplete/)
    const twice = await runCli(['merge', files[0]!, ...files.slice(0, 3)])
    assert.is(twice.code, 1)
    assert.match(twice.stderr, 'shard 1/4 is given twice')
  })
}

sharding('snapshot --shard records each shard\'s accounts and regions, disjoint, together the whole', async () => {
  const record = async (out: string, shard?: string) => {
    const run = await runCli(['snapshot', `${ROOT}examples/rules/partner-drift.yaml`, '--source', `snapshot:${ROOT}examples/rules/snapshot.json`, '--out', out, ...(shard ? ['--shard', shard] : [])])
    assert.is(run.code, 0, run.stderr)
    const snapshot = JSON.parse(await readFile(out, 'utf8')) as { clusters: Array<{ accountId: string; region: string; cluster: string }>; discovery: { scopes: Array<{ accountId: string; region: string }> } }
    return { clusters: snapshot.clusters.map((c) => `${c.accountId}/${c.region}/${c.cluster}`), scopes: snapshot.discovery.scopes.map((c) => `${c.accountId}/${c.region}`) }
  }
  const whole = await record(join(dir, 'whole.json'))
  const parts = await Promise.all([1, 2, 3].map((i) => record(join(dir, `part-${i}.json`), `${i}/3`)))
  const clusters = parts.flatMap((p) => p.clusters)
  const scopes = parts.flatMap((p) => p.scopes)
  assert.equal(clusters.length, new Set(clusters).size, 'no cluster in two shards')
  assert.equal([...clusters].sort(), [...whole.clusters].sort())
  assert.equal([...scopes].sort(), [...whole.scopes].sort())
})

sharding('shards of different manifests, shard counts, or a file that is no report are refused', async () => {
  const args = (manifest: string, shard: string) => ['check', `${ROOT}${manifest}`, '--source', `snapshot:${ROOT}examples/snapshot.json`, '--format', 'json', '--shard', shard]
  const one = await runCli(args('examples/partner-drift.yaml', '1/2'))
  const otherManifest = join(dir, 'other.yaml')
  await writeFile(otherManifest, (await readFile(`${ROOT}examples/partner-drift.yaml`, 'utf8')) + '# changed\n')
  const other = await runCli(['check', otherManifest, '--source', `snapshot:${ROOT}examples/snapshot.json`, '--format', 'json', '--shard', '2/2'])
  const [a, b, c] = [join(dir, 'a.json'), join(dir, 'b.json'), join(dir, 'c.json')]
  await writeFile(a, one.stdout)
  await writeFile(b, other.stdout)
  await writeFile(c, '{"version": 1}')
  const mixed = await runCli(['merge', a, b])
  assert.is(mixed.code, 1)
  assert.match(mixed.stderr, 'checked another manifest')
  const broken = await runCli(['merge', a, c])
  assert.is(broken.code, 1)
  assert.match(broken.stderr, /c\.json:1:1: .*\[schema\]/)
  const badFlag = await runCli(['check', `${ROOT}examples/partner-drift.yaml`, '--shard', '5/4'])
  assert.is(badFlag.code, 1)
  assert.match(badFlag.stderr, /Code: invalid-flag/)
})

sharding.run()

const live = suite<{ server: RedshiftTestServer; dir: string }>('check --shard against the Redshift server')
withRedshiftServer(live, 'shard')

live('4 shards over 3 accounts and 2 regions, some clusters drifting and some failing, merge to the single run; a shard missing fails', async ({ server, dir }) => {
  const accounts = ['111111111111', '222222222222', '333333333333']
  const regions = ['eu-west-1', 'us-east-1']
  const lines = ['version: 1', 'clusters:']
  for (const accountId of accounts) {
    for (const region of regions) {
      for (const n of [1, 2]) {
        const cluster = `c${n}-${accountId.slice(0, 1)}-${region}`
        lines.push(`  - { cluster: ${cluster}, accountId: "${accountId}", region: ${region}, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }`)
        // One cluster of each scope drifts (Fivetran missing); account 2's us-east-1 clusters cannot be read.
        server.setCluster({ accountId, region, cluster, integrations: n === 1 ? [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' }] : [] })
        if (accountId === '222222222222' && region === 'us-east-1') server.setBehaviour({ accountId, region, cluster }, { error: { code: 'AccessDenied' } })
      }
    }
  }
  const manifest = join(dir, 'estate.yaml')
  await writeFile(manifest, lines.join('\n') + '\n')
  const args = ['check', manifest, '--endpoint-url', server.url, '--format', 'json', '--source-option', 'retryDelayScale=0.01']
  const env = awsTestEnv()
  const single = await runCli(args, { env })
  assert.is(single.code, 1, single.stderr)
  const shards = await Promise.all([1, 2, 3, 4].map((i) => runCli([...args, '--shard', `${i}/4`], { env })))
  const files = await Promise.all(shards.map(async (run, i) => {
    const file = join(dir, `live-${i + 1}.json`)
    await writeFile(file, run.stdout)
    return file
  }))
  const merged = await runCli(['merge', ...files, '--format', 'json'])
  assert.is(merged.code, 1, merged.stderr)
  // Two runs against a server: only request ids, timings and the time of writing differ.
  const comparable = (json: string) => {
    const report = JSON.parse(json) as { findings: Array<{ message: string; cause?: { requestId?: string } }>; stats: { elapsedMs?: number; apiCalls?: number }; generatedAt?: string }
    delete report.generatedAt
    for (const f of report.findings) {
      f.message = f.message.replace(/ \(request id [^)]*\)/, '')
      if (f.cause) delete f.cause.requestId
    }
    delete report.stats.elapsedMs
    return report
  }
  assert.equal(comparable(merged.stdout), comparable(single.stdout))
  assert.is(comparable(merged.stdout).stats.apiCalls, 12, 'one call per cluster, across the shards')
  const summary = (JSON.parse(merged.stdout) as { summary: { missing: number; errors: number; inSync: number } }).summary
  assert.equal([summary.missing, summary.errors, summary.inSync], [5, 2, 5])
  const parts = shards.map((run) => JSON.parse(run.stdout) as { summary: { clusters: number }; shard: { scopes: string[] } })
  assert.is(parts.reduce((n, p) => n + p.summary.clusters, 0), 12, 'every cluster judged by exactly one shard')
  const scopes = parts.flatMap((p) => p.shard.scopes)
  assert.equal(scopes.length, 6)
  assert.equal(new Set(scopes).size, 6, 'no scope in two shards')
  const missing = await runCli(['merge', ...files.slice(1)])
  assert.is(missing.code, 1)
  assert.match(missing.stderr, 'shard 1/4 is missing')
})

live.run()
