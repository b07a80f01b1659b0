/**
 * What the live benchmarks share: an estate of N clusters on the local Redshift server with its
 * manifest, and a run of the real CLI that reports its own CPU time and peak memory.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import type { Report } from '../../src/model/report.js'
import { ROOT } from '../helpers/cli.js'
import type { Integration, RedshiftTestServer } from '../helpers/redshift-server.js'

const MEASURE = fileURLToPath(new URL('./measure-child.js', import.meta.url))
const BIN = join(ROOT, 'bin/run.js')

export interface MeasuredRun {
  wallMs: number
  code: number
  cpuMs: number
  maxRssMiB: number
  stdout: string
  stderr: string
}

/** Runs the CLI (or another `script`) with a preload that reports its own CPU time and peak RSS on exit. */
export function runMeasured(args: string[], env: NodeJS.ProcessEnv, script = BIN): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', MEASURE, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const line = /PARTNER_DRIFT_BENCH (\{.*\})/.exec(stderr)
      const usage = line ? (JSON.parse(line[1]!) as { cpuMs: number; maxRssKiB: number }) : { cpuMs: NaN, maxRssKiB: NaN }
      resolve({ wallMs, code: code ?? -1, cpuMs: usage.cpuMs, maxRssMiB: usage.maxRssKiB / 1024, stdout, stderr })
    })
  })
}

/** The JSON report a run printed, or an error that shows what it printed instead. */
export function reportOf(run: MeasuredRun): Report {
  try {
    return JSON.parse(run.stdout) as Report
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`)
  }
}

const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444']
const REGIONS = ['eu-west-1', 'us-east-1']
const INTEGRATION: Integration = { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active', CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-11-01T00:00:00Z' }

/** N clusters spread over `accounts` accounts (at most 4) and `regions` regions (at most 2), in the order of the manifest. */
export function estateClusters(n: number, spread: { accounts: number; regions: number } = { accounts: 4, regions: 2 }): Array<{ accountId: string; region: string; cluster: string }> {
  return Array.from({ length: n }, (_, i) => ({
    accountId: ACCOUNTS[i % spread.accounts]!,
    region: REGIONS[Math.floor(i / spread.accounts) % spread.regions]!,
    cluster: `cluster-${i}`,
  }))
}

/**
 * N in-sync clusters spread over `accounts` accounts (at most 4) and `regions` regions (at most 2),
 * registered on `server` (again by calling `register`, after a server reset), and their manifest
 * written to `dir/name`.
 */
export async function liveEstate(
  server: RedshiftTestServer,
  n: number,
  dir: string,
  spread: { accounts: number; regions: number } = { accounts: 4, regions: 2 },
  name = 'bench.yaml',
): Promise<{ manifest: string; register: () => void }> {
  const clusters = estateClusters(n, spread)
  const register = (): void => clusters.forEach((c) => server.setCluster({ ...c, integrations: [INTEGRATION] }))
  register()
  // Block style, as manifests are written (see examples/): a flow mapping on each line would be
  // read as a full YAML document, about 0.2 ms of CPU a cluster that a real manifest does not cost.
  let text = 'version: 1\nclusters:\n'
  for (const c of clusters) {
    text += `  - cluster: ${c.cluster}\n    accountId: "${c.accountId}"\n    region: ${c.region}\n    databases:\n      - database: dev\n        partners:\n          - partner: Fivetran\n`
  }
  const manifest = join(dir, name)
  await writeFile(manifest, text)
  return { manifest, register }
}

/** Prints rows as an aligned table, the header first. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(line(header))
  for (const row of rows) console.log(line(row))
}
