/**
 * What a hung endpoint (it accepts the request and never answers) costs a run of
 * `partner-drift check` on the aws source: one such cluster with the default settings (every
 * attempt waits out the per-request timeout; target: under 30 s), and with `--timeout T`
 * (the run ends at its deadline, whatever the attempts; target: within T + start-up + 1 s).
 *
 *   npm run bench:hung -- [T=3]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { awsTestEnv } from '../helpers/cli.js'
import { startRedshiftServer } from '../helpers/redshift-server.js'
import { printTable, reportOf, runMeasured } from './live-estate.js'

const T = Number(process.argv[2] ?? 3)
const HUNG_BOUND_MS = 30_000

const server = await startRedshiftServer()
const dir = await mkdtemp(join(tmpdir(), 'partner-drift-hung-bench-'))
try {
  const manifest = join(dir, 'hung.yaml')
  await writeFile(manifest, 'version: 1\nclusters:\n  - { cluster: hung, accountId: "111111111111", region: eu-west-1, databases: [] }\n')
  const env = awsTestEnv()
  const common = ['check', manifest, '--endpoint-url', server.url, '--format', 'json']

  // Start-up: the same run against a cluster that answers at once (ClusterNotFound).
  const startupMs = (await runMeasured(common, env)).wallMs

  server.setBehaviour({ accountId: '111111111111', cluster: 'hung' }, { hang: true })
  const rows: string[][] = []
  let ok = true
  for (const [label, extra, boundMs] of [
    ['default settings', [], HUNG_BOUND_MS],
    [`--timeout ${T}`, ['--timeout', String(T)], T * 1000 + startupMs + 1000],
  ] as const) {
    const before = server.callCount()
    const run = await runMeasured([...common, ...extra], env)
    const report = reportOf(run)
    const code = report.findings[0]?.cause?.code ?? '-'
    const met = run.code === 1 && report.outcome === 'incomplete' && run.wallMs <= boundMs
    ok &&= met
    rows.push([label, run.wallMs.toFixed(0), `<= ${boundMs.toFixed(0)}`, String(server.callCount() - before), code, String(run.code), met ? 'met' : 'MISSED'])
  }
  console.log(`one cluster whose endpoint never answers; start-up (a run answered at once) = ${startupMs.toFixed(0)} ms`)
  printTable(['run', 'wall ms', 'bound ms', 'requests sent', 'error code', 'exit', ''], rows)
  console.log(ok ? 'every bound met: exit 1 (incomplete) within the bound' : 'BOUND MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
