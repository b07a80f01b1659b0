/**
 * Benchmark of `partner-drift check` against a throttling API: N clusters of one account and
 * region behind the local Redshift server, which allows R requests per second (a token bucket
 * holding at most R/10, so a burst cannot pass for throughput) and answers the rest Throttling,
 * as Redshift does; each answer after L ms. The CLI runs with its default retry settings at
 * each concurrency C. Per (R, C): the successful calls per second over the fetch phase against
 * R (target: at least 80 %), throttled answers (server / report), the rate the client learned,
 * and clusters lost (must be 0). Beside them, per C, the rate of the same run against a server
 * that never throttles: what the client itself manages on this machine, the most any R can get.
 *
 *   npm run bench:throttle -- [N=500] [R=20,100] [C=16,64] [L=50]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { awsTestEnv } from '../helpers/cli.js'
import { startRedshiftServer } from '../helpers/redshift-server.js'
import { liveEstate, printTable, reportOf, runMeasured } from './live-estate.js'

const N = Number(process.argv[2] ?? 500)
const RATES = (process.argv[3] ?? '20,100').split(',').map(Number)
const CONCURRENCIES = (process.argv[4] ?? '16,64').split(',').map(Number)
const L = Number(process.argv[5] ?? 50)
const TARGET = 0.8

const server = await startRedshiftServer({ latencyMs: L })
const dir = await mkdtemp(join(tmpdir(), 'partner-drift-throttle-bench-'))
try {
  const { manifest, register } = await liveEstate(server, N, dir, { accounts: 1, regions: 1 })
  const env = awsTestEnv()
  console.log(`clusters N = ${N} (one account and region), latency L = ${L} ms per call, token bucket burst R/10`)
  const rows: string[][] = []
  let ok = true
  const unthrottled = new Map<number, number>()
  for (const C of CONCURRENCIES) {
    server.reset()
    register()
    const report = reportOf(await runMeasured(['check', manifest, '--endpoint-url', server.url, '--format', 'json', '--concurrency', String(C)], env))
    unthrottled.set(C, N / ((report.stats?.elapsedMs ?? NaN) / 1000))
  }
  for (const R of RATES) {
    for (const C of CONCURRENCIES) {
      server.reset()
      register()
      server.setRateLimit(R, { burst: Math.max(1, R / 10) })
      const run = await runMeasured(['check', manifest, '--endpoint-url', server.url, '--format', 'json', '--concurrency', String(C)], env)
      const report = reportOf(run)
      const answered = server.calls.filter((c) => c.status === 200).length
      const throttled = server.calls.filter((c) => c.code === 'Throttling').length
      const fetchMs = report.stats?.elapsedMs ?? NaN
      const achieved = answered / (fetchMs / 1000)
      const lost = N - report.summary.inSync
      const learned = report.stats?.rates?.map((r) => r.requestsPerSecond.toFixed(1)).join(' ') ?? '-'
      const met = run.code === 0 && lost === 0 && answered === N && achieved / R >= TARGET
      ok &&= met
      rows.push([
        String(R),
        String(C),
        String(fetchMs),
        achieved.toFixed(1),
        (achieved / R).toFixed(3),
        `${throttled}/${report.stats?.throttled ?? '-'}`,
        String(report.stats?.retries ?? '-'),
        learned,
        unthrottled.get(C)!.toFixed(0),
        String(lost),
        `${run.code} ${report.outcome}`,
        met ? 'met' : 'MISSED',
      ])
    }
  }
  printTable(['R/s', 'C', 'fetch ms', 'successes/s', '/R', 'throttled (server/report)', 'retries', 'learned /s', 'unthrottled /s', 'lost', 'exit', ''], rows)
  console.log(ok ? `every target met: successes >= ${TARGET * 100} % of R, no cluster lost, exit 0` : 'TARGET MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
