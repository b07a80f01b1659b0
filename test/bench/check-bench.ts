/**
 * Benchmark of `partner-drift check` on the aws source: N clusters behind the local Redshift
 * server, each call answered after L ms, observed at concurrency C. Prints wall time against
 * the ideal ceil(N/C) x L, API calls (must be N), CPU time and peak memory of the CLI process.
 *
 *   npm run bench -- [N=2000] [L=50] [C=32]
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { startRedshiftServer } from '../helpers/redshift-server.js'
import { awsTestEnv, ROOT } from '../helpers/cli.js'

const [N, L, C] = [Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 50), Number(process.argv[4] ?? 32)]
const MEASURE = fileURLToPath(new URL('./measure-child.js', import.meta.url))
const BIN = join(ROOT, 'bin/run.js')

interface Run {
  wallMs: number
  code: number
  cpuMs: number
  maxRssMiB: number
  stdout: string
}

/** Runs the CLI with a preload that reports its own CPU time and peak RSS on exit. */
function runMeasured(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', MEASURE, BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const line = /PARTNER_DRIFT_BENCH (\{.*\})/.exec(stderr)
      const usage = line ? (JSON.parse(line[1]) as { cpuMs: number; maxRssKiB: number }) : { cpuMs: NaN, maxRssKiB: NaN }
      resolve({ wallMs, code: code ?? -1, cpuMs: usage.cpuMs, maxRssMiB: usage.maxRssKiB / 1024, stdout })
    })
  })
}

const server = await startRedshiftServer({ latencyMs: L })
const dir = await mkdtemp(join(tmpdir(), 'partner-drift-bench-'))
try {
  const accounts = ['111111111111', '222222222222', '333333333333', '444444444444']
  const regions = ['eu-west-1', 'us-east-1']
  const clusters = Array.from({ length: N }, (_, i) => ({
    accountId: accounts[i % accounts.length],
    region: regions[Math.floor(i / accounts.length) % regions.length],
    cluster: `cluster-${i}`,
    integrations: [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active', CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-11-01T00:00:00Z' }],
  }))
  const register = (): void => clusters.forEach((c) => server.setCluster(c))
  register()
  let manifest = 'version: 1\nclusters:\n'
  for (const c of clusters) {
    manifest += `  - { cluster: ${c.cluster}, accountId: "${c.accountId}", region: ${c.region}, databases: [{ database: dev, partners: [{ partner: Fivetran }] }] }\n`
  }
  const file = join(dir, 'bench.yaml')
  await writeFile(file, manifest)
  await writeFile(join(dir, 'one.yaml'), 'version: 1\nclusters:\n  - { cluster: cluster-0, accountId: "111111111111", region: eu-west-1, databases: [] }\n')
  const env = awsTestEnv()
  const common = ['--endpoint-url', server.url, '--format', 'json']

  // Start-up: the same command on one cluster, with the server's latency taken out.
  const startup = await runMeasured(['check', join(dir, 'one.yaml'), ...common], env)
  const startupMs = startup.wallMs - L
  server.reset() // so the server's call count is the measured run's alone
  register()

  const run = await runMeasured(['check', file, ...common, '--concurrency', String(C)], env)
  const report = JSON.parse(run.stdout) as { outcome: string; summary: { inSync: number }; stats: { apiCalls: number; elapsedMs: number } }
  const calls = server.callCount({ action: 'DescribePartners' })
  const idealMs = Math.ceil(N / C) * L
  const ratio = run.wallMs / (idealMs + startupMs)
  const fetchRatio = report.stats.elapsedMs / idealMs
  const rows: Array<[string, string]> = [
    ['clusters (N)', String(N)],
    ['latency per call (L)', `${L} ms`],
    ['concurrency (C)', String(C)],
    ['exit code / outcome', `${run.code} / ${report.outcome} (${report.summary.inSync} in sync)`],
    ['wall time', `${run.wallMs.toFixed(0)} ms`],
    ['ideal ceil(N/C) x L', `${idealMs} ms`],
    ['start-up (1-cluster run)', `${startupMs.toFixed(0)} ms`],
    ['wall / (ideal + start-up)', ratio.toFixed(3)],
    ['fetch phase / ideal', `${report.stats.elapsedMs} ms / ${idealMs} ms = ${fetchRatio.toFixed(3)}`],
    ['API calls (server count / reported)', `${calls} / ${report.stats.apiCalls}`],
    ['CPU time (user+system)', `${run.cpuMs.toFixed(0)} ms`],
    ['peak memory (max RSS)', `${run.maxRssMiB.toFixed(1)} MiB`],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`)
  const ok = calls === N && report.stats.apiCalls === N && ratio <= 1.25 && run.code === 0
  console.log(ok ? 'target met: API calls = N and wall <= 1.25 x (ideal + start-up)' : 'TARGET MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
