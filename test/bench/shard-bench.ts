/**
 * Sharding at scale: 10,000 clusters in 100 accounts and 4 regions behind the local Redshift
 * server, which throttles each (account, region) at R requests a second. One `check` process,
 * then 4 shards run at once on this machine and merged: wall times, API calls, throttled answers,
 * and whether the merged verdict is the single run's.
 *
 *   npm run bench:shard -- [ACCOUNTS=100] [REGIONS=4] [PER_SCOPE=25] [R=20]
 */
import { rm, writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { awsTestEnv, runCli } from '../helpers/cli.js'
import { startRedshiftServer } from '../helpers/redshift-server.js'

const [ACCOUNTS, REGIONS, PER_SCOPE, R] = [100, 4, 25, 20].map((fallback, i) => Number(process.argv[2 + i] ?? fallback)) as [number, number, number, number]
const SHARDS = 4
const REGION_NAMES = ['eu-west-1', 'us-east-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2', 'sa-east-1'].slice(0, REGIONS)

const server = await startRedshiftServer({ latencyMs: 20 })
const dir = await mkdtemp(join(tmpdir(), 'partner-drift-shard-bench-'))
try {
  const lines = ['version: 1', 'defaults: { status: Active }', 'clusters:']
  for (let a = 0; a < ACCOUNTS; a++) {
    const accountId = String(100000000000 + a)
    for (const region of REGION_NAMES) {
      for (let c = 0; c < PER_SCOPE; c++) {
        const cluster = `c${c}-${a}`
        lines.push(`  - cluster: ${cluster}`, `    accountId: "${accountId}"`, `    region: ${region}`, '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran')
        // Every 10th cluster drifts, so the verdict has something to agree on.
        server.setCluster({ accountId, region, cluster, integrations: c % 10 === 0 ? [] : [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' }] })
      }
    }
  }
  const manifest = join(dir, 'estate.yaml')
  await writeFile(manifest, lines.join('\n') + '\n')
  server.setRateLimit(R, { burst: Math.max(1, R / 10), perScope: true })
  const N = ACCOUNTS * REGION_NAMES.length * PER_SCOPE
  const args = ['check', manifest, '--endpoint-url', server.url, '--format', 'json']
  const env = awsTestEnv()
  const timeoutMs = 900_000

  const started = performance.now()
  const single = await runCli(args, { env, timeoutMs })
  const singleMs = performance.now() - started
  const singleCalls = server.callCount({ action: 'DescribePartners' })
  server.calls.length = 0

  const shardStarted = performance.now()
  const shards = await Promise.all(Array.from({ length: SHARDS }, (_, i) => runCli([...args, '--shard', `${i + 1}/${SHARDS}`], { env, timeoutMs })))
  const files = await Promise.all(shards.map(async (run, i) => {
    const file = join(dir, `shard-${i + 1}.json`)
    await writeFile(file, run.stdout)
    return file
  }))
  const merged = await runCli(['merge', ...files, '--format', 'json'], { timeoutMs })
  const shardedMs = performance.now() - shardStarted
  const shardedCalls = server.callCount({ action: 'DescribePartners' })

  type Report = { exitCode: number; summary: Record<string, number>; findings: Array<{ fingerprint: string }>; stats?: { throttled?: number } }
  const a = JSON.parse(single.stdout) as Report
  const b = JSON.parse(merged.stdout) as Report
  const same = a.exitCode === b.exitCode && JSON.stringify(a.summary) === JSON.stringify(b.summary) && a.findings.map((f) => f.fingerprint).join() === b.findings.map((f) => f.fingerprint).join()
  console.log(`${N} clusters in ${ACCOUNTS} accounts x ${REGION_NAMES.length} regions, 20 ms per call, each account and region throttled at ${R} requests/s`)
  console.log('| run | wall | DescribePartners calls | throttled answers | exit |')
  console.log('|---|---|---|---|---|')
  console.log(`| one process | ${(singleMs / 1000).toFixed(1)} s | ${singleCalls} | ${a.stats?.throttled ?? 0} | ${single.code} |`)
  console.log(`| ${SHARDS} shards at once, then merge | ${(shardedMs / 1000).toFixed(1)} s | ${shardedCalls} | ${b.stats?.throttled ?? 0} | ${merged.code} |`)
  console.log(`sharded / one process: ${(shardedMs / singleMs).toFixed(2)}; merged verdict ${same ? 'equals' : 'DIFFERS FROM'} the single run's (exit code, summary, findings)`)
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
