/**
 * Start-up benchmark: wall time of short CLI runs against `node -e 0`, side by side in one run.
 * Each round runs every command once, in an order that rotates from round to round, so a
 * machine that speeds up or slows down affects all of them alike; a ratio is the median over
 * rounds of (command / node -e 0) within the same round. Goals (issue 10): offline `check` of a
 * one-cluster manifest <= 2.5x, `validate` and `--help` <= 2.0x.
 *
 *   npm run bench:startup -- [ROUNDS=21]
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { FIXTURES, ROOT } from '../helpers/cli.js'

const ROUNDS = Number(process.argv[2] ?? 21)
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new TypeError(`ROUNDS must be a positive integer, not ${process.argv[2]}`)
const BIN = join(ROOT, 'bin/run.js')

interface Case {
  name: string
  args: string[]
  /** The exit code a correct run has: a bench of a failing command measures the wrong thing. */
  exitCode: number
  /** At most this many times `node -e 0`; none for the baseline itself. */
  goal?: number
}

const BASELINE: Case = { name: 'node -e 0', args: ['-e', '0'], exitCode: 0 }
const CASES: Case[] = [
  BASELINE,
  { name: 'check (1 cluster, snapshot)', args: [BIN, 'check', `${FIXTURES}in-sync.yaml`, '--source', `snapshot:${FIXTURES}snapshot.json`], exitCode: 0, goal: 2.5 },
  { name: 'validate', args: [BIN, 'validate', `${FIXTURES}in-sync.yaml`], exitCode: 0, goal: 2.0 },
  { name: '--help', args: [BIN, '--help'], exitCode: 0, goal: 2.0 },
]

/** Wall milliseconds of one run, from spawn to exit; its output is read and dropped. */
function wallMs(c: Case): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, c.args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stdout.resume()
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== c.exitCode) reject(new Error(`${c.name} exited ${code}, expected ${c.exitCode}:\n${stderr}`))
      else resolve(ms)
    })
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

// One round not counted: it fills the file system cache.
for (const c of CASES) await wallMs(c)
const walls = new Map<Case, number[]>(CASES.map((c) => [c, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CASES.length; i++) {
    const c = CASES[(round + i) % CASES.length]
    walls.get(c)!.push(await wallMs(c))
  }
}

const base = walls.get(BASELINE)!
const rows = CASES.map((c) => {
  const own = walls.get(c)!
  const ratio = median(own.map((ms, round) => ms / base[round]))
  const verdict = c.goal === undefined ? '' : ratio <= c.goal ? `PASS (goal <= ${c.goal.toFixed(1)}x)` : `FAIL (goal <= ${c.goal.toFixed(1)}x)`
  return [c.name, `${median(own).toFixed(0)} ms`, c === BASELINE ? '1.00x' : `${ratio.toFixed(2)}x`, verdict]
})
const header = ['command', 'median wall', 'ratio to node -e 0', 'verdict']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`
console.log(`start-up, ${ROUNDS} interleaved rounds, Node ${process.version}`)
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const row of rows) console.log(line(row))
