/**
 * Benchmark of `partner-drift check` on the aws source: N clusters behind the local Redshift
 * server, each call answered after L ms, observed at each concurrency C of a comma-separated
 * list. Per C: wall time against the ideal ceil(N/C) x L plus start-up (the median wall time of
 * three 1-cluster runs, the server's latency taken out), the fetch phase against the ideal,
 * API calls (must be N), CPU time and peak memory of the CLI process. The CPU time per cluster
 * beyond start-up gives the ceiling of this stack: one Node thread drives at most 1 s / that
 * many calls a second, so once C / L asks for more, more concurrency buys nothing. In turn with
 * the CLI, the same N calls through the AWS SDK and p-limit alone (bare-sdk-child.ts), measured the
 * same way: what the stack itself allows at that concurrency on the machine as it is that minute.
 * Three runs of each per C; every figure is the median run's.
 *
 *   node dist/test/bench/check-bench.js [N=2000] [L=50] [C=32]   (after npm run build)
 *   npm run bench:live            (N=2000, L=50, C=32,64,128)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import type { Report } from '../../src/model/report.js'
import { awsTestEnv } from '../helpers/cli.js'
import { startRedshiftServer } from '../helpers/redshift-server.js'
import { liveEstate, type MeasuredRun, printTable, reportOf, runMeasured } from './live-estate.js'

const BARE = fileURLToPath(new URL('./bare-sdk-child.js', import.meta.url))

const N = Number(process.argv[2] ?? 2000)
const ROUNDS = 3
const L = Number(process.argv[3] ?? 50)
const CONCURRENCIES = (process.argv[4] ?? '32').split(',').map(Number)
/** Issue 10's targets for wall / (ideal + start-up); other concurrencies are measured, not judged. */
const TARGETS = new Map([
  [32, 1.15],
  [64, 1.3],
])

const server = await startRedshiftServer({ latencyMs: L })
const dir = await mkdtemp(join(tmpdir(), 'partner-drift-bench-'))
try {
  const { manifest, register } = await liveEstate(server, N, dir)
  const one = join(dir, 'one.yaml')
  await writeFile(one, 'version: 1\nclusters:\n  - { cluster: cluster-0, accountId: "111111111111", region: eu-west-1, databases: [] }\n')
  const env = awsTestEnv()
  const common = ['--endpoint-url', server.url, '--format', 'json']

  const startups = []
  const bareStartups = []
  for (let i = 0; i < 3; i++) {
    startups.push(await runMeasured(['check', one, ...common], env))
    bareStartups.push(await runMeasured([server.url, '1', '1'], env, BARE))
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const startupMs = median(startups.map((r) => r.wallMs - L))
  const startupCpuMs = median(startups.map((r) => r.cpuMs))
  const bareStartupMs = median(bareStartups.map((r) => r.wallMs - L))

  console.log(`clusters N = ${N}, latency L = ${L} ms per call, start-up (median 1-cluster run) = ${startupMs.toFixed(0)} ms wall, ${startupCpuMs.toFixed(0)} ms CPU; the SDK and p-limit alone: ${bareStartupMs.toFixed(0)} ms wall`)
  const rows: string[][] = []
  let ok = true
  for (const C of CONCURRENCIES) {
    // The CLI and the SDK alone in turn, three times each, each figure the median: one run of each
    // a minute apart differed by up to 8 % on this shared machine.
    const runs: Array<{ run: MeasuredRun; report: Report; calls: number }> = []
    const bareRuns: MeasuredRun[] = []
    for (let round = 0; round < ROUNDS; round++) {
      server.reset() // so the server's call count is this run's alone
      register()
      const run = await runMeasured(['check', manifest, ...common, '--concurrency', String(C)], env)
      runs.push({ run, report: reportOf(run), calls: server.callCount({ action: 'DescribePartners' }) })
      server.reset()
      register()
      const bare = await runMeasured([server.url, String(N), String(C)], env, BARE)
      const bareCalls = server.callCount({ action: 'DescribePartners' })
      if (bare.code !== 0 || bareCalls !== N) throw new Error(`the SDK alone made ${bareCalls} calls for ${N} clusters (exit ${bare.code}): ${bare.stderr.slice(0, 2000)}`)
      bareRuns.push(bare)
    }
    const { run, report, calls } = [...runs].sort((a, b) => a.run.wallMs - b.run.wallMs)[Math.floor(ROUNDS / 2)]!
    const idealMs = Math.ceil(N / C) * L
    const ratio = run.wallMs / (idealMs + startupMs)
    const target = TARGETS.get(C)
    const cpuPerClusterUs = ((run.cpuMs - startupCpuMs) * 1000) / (N - 1)
    const complete = runs.every((r) => r.run.code === 0 && r.calls === N && r.report.stats?.apiCalls === N)
    const bareRatio = median(bareRuns.map((r) => r.wallMs)) / (idealMs + bareStartupMs)
    // Issue 10: where the SDK's per-call CPU is the limit, the measured ceiling of the stack is the
    // goal. It is that when the SDK alone misses the target too, and the CLI is within 5 % of it.
    const verdict = !complete ? 'MISSED' : target === undefined || ratio <= target ? 'met' : bareRatio > target && ratio <= bareRatio * 1.05 ? 'at the stack ceiling' : 'MISSED'
    ok &&= verdict !== 'MISSED'
    rows.push([
      String(C),
      `${idealMs}`,
      `${run.wallMs.toFixed(0)}`,
      ratio.toFixed(3),
      target === undefined ? '-' : `<= ${target.toFixed(2)}`,
      ((report.stats?.elapsedMs ?? NaN) / idealMs).toFixed(3),
      `${calls}/${report.stats?.apiCalls}`,
      run.cpuMs.toFixed(0),
      cpuPerClusterUs.toFixed(0),
      `${((C * 1000) / L).toFixed(0)} / ${(1e6 / cpuPerClusterUs).toFixed(0)}`,
      run.maxRssMiB.toFixed(1),
      bareRatio.toFixed(3),
      (ratio / bareRatio).toFixed(2),
      `${run.code} ${report.outcome}`,
      verdict,
    ])
  }
  printTable(
    ['C', 'ideal ms', 'wall ms', 'wall/(ideal+start-up)', 'target', 'fetch/ideal', 'API calls (server/report)', 'CPU ms', 'CPU us/cluster', 'calls/s asked / ceiling', 'peak MiB', 'SDK + p-limit alone', 'CLI / alone', 'exit', ''],
    rows,
  )
  console.log(
    ok
      ? 'every target met: API calls = N, exit 0, and wall within the target where there is one, or (at the stack ceiling) within 5 % of the SDK and p-limit alone when they miss it too'
      : 'TARGET MISSED',
  )
  process.exitCode = ok ? 0 : 1
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
