/**
 * What every fuzz target shares: run counts and seed from the environment, running a check
 * in-process under a watchdog, rendering every format, and the invariants checked on every
 * generated case. A failed invariant throws an Error whose message says which one and shows
 * the offending output; fast-check then shrinks the case and prints seed and path.
 *
 *   FUZZ_RUNS  cases per in-process target (default 20; `npm run fuzz` sets 10000)
 *   FUZZ_SEED  the seed (default fixed, so a failure in CI reproduces locally)
 *   FUZZ_PATH  replay one counterexample: the `path` fast-check printed (with FUZZ_SEED and a
 *              uvu pattern selecting that one file)
 * Targets that start a process or talk HTTP scale their count down with `runsFor` (see there).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { XMLValidator } from 'fast-xml-parser'

import { type CheckRequest, type CheckResult, runCheck } from '../../../src/check.js'
import { diagnosticsText } from '../../../src/cli/output.js'
import type { Diagnostic } from '../../../src/input/diagnostics.js'
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../../src/report/render/index.js'
import { tempDir, writePackage, writeProject } from '../../helpers/source-packages.js'

export const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 20) || 20)
export const SEED = Number(process.env.FUZZ_SEED ?? 20261124) | 0

/**
 * Cases for a target: `RUNS` scaled by `share`, at least `floor`. In-process targets use share 1;
 * the live-SDK targets 0.3 (an HTTP round trip each); the CLI targets 0.02 (a Node process of
 * about 0.3 s each), so `npm run fuzz` runs 200 CLI cases instead of 10,000.
 */
export function runsFor(share: number, floor = 1): number {
  return Math.max(floor, Math.round(RUNS * share))
}

/** fast-check parameters: fixed seed, replayable path; no shrinking for targets too slow to shrink. */
export function fuzzParameters(numRuns: number, options: { shrink?: boolean } = {}): fc.Parameters<unknown> {
  return {
    numRuns,
    seed: SEED,
    // The broken invariant and its evidence, not only the counterexample.
    includeErrorInReport: true,
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
    ...(options.shrink === false ? { endOnFailure: true } : {}),
  }
}

// ---------------------------------------------------------------------------------------- invariants

/**
 * Characters no output may carry raw: C0 except newline and tab (the formats' own line and
 * column structure), DEL, C1, and the bidi embeddings, overrides and isolates. ESC is in C0.
 */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** `\u001b` for a control character, so a failure message shows where it is without being one. */
export function visible(text: string, around?: number): string {
  const at = around === undefined ? 0 : Math.max(0, around - 60)
  const slice = around === undefined ? text.slice(0, 2000) : text.slice(at, around + 60)
  return slice.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\n' ? '⏎\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
}

export function assertNoRawControl(label: string, text: string): void {
  const match = RAW_CONTROL.exec(text)
  if (match) {
    throw new Error(`${label}: raw control character U+${match[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at offset ${match.index}: …${visible(text, match.index)}…`)
  }
}

/** A stack frame line as Node prints it. */
const STACK_LINE = /^ {4}at /m

export function assertNoStackTrace(label: string, text: string): void {
  if (STACK_LINE.test(text)) throw new Error(`${label}: a stack trace was printed:\n${visible(text)}`)
}

export function assertExitCode(actual: number, allowed: ReadonlySet<number>, context: string): void {
  if (!allowed.has(actual)) throw new Error(`exit code ${actual}, expected ${[...allowed].join(' or ')}\n${context}`)
}

/** Every diagnostic points into its file (line and column from 1) and says what is wrong. */
export function assertLocated(diagnostics: Diagnostic[], context: string): void {
  if (diagnostics.length === 0) throw new Error(`expected located diagnostics, got none\n${context}`)
  for (const d of diagnostics) {
    if (!(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1) || !d.file || !d.message || !d.code) {
      throw new Error(`diagnostic not located: ${JSON.stringify(d)}\n${context}`)
    }
  }
}

/**
 * What a renderer keyed by user data could write into. Recorded once, before any case runs,
 * so a polluting case is caught by the first check after it, and then repaired so the
 * following cases (and the suites after this one, in the same process) start clean.
 */
const PROTOTYPES: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Map.prototype', Map.prototype],
  ['String.prototype', String.prototype],
  ['Function.prototype', Function.prototype],
]
const PRISTINE = new Map(PROTOTYPES.map(([name, proto]) => [name, new Map(Reflect.ownKeys(proto).map((key) => [key, Reflect.getOwnPropertyDescriptor(proto, key)!]))]))

/**
 * Removes what was added to the prototypes since the suite started, restores what was
 * overwritten (`Object.prototype.hasOwnProperty = ...`), and says what it was.
 */
export function repairPrototypes(): string[] {
  const changed: string[] = []
  for (const [name, proto] of PROTOTYPES) {
    const pristine = PRISTINE.get(name)!
    for (const key of Reflect.ownKeys(proto)) {
      const now = Reflect.getOwnPropertyDescriptor(proto, key)!
      const before = pristine.get(key)
      if (before && now.value === before.value && now.get === before.get && now.set === before.set) continue
      changed.push(`${name}.${String(key)} = ${describeValue(now.value)}`)
      if (before) Object.defineProperty(proto, key, before)
      else delete (proto as Record<string | symbol, unknown>)[key]
    }
  }
  return changed
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

// ---------------------------------------------------------------------------------------- running

export interface Rendered {
  format: ReportFormat | 'text --explain' | 'stderr diagnostics'
  text: string
}

/** Every format the CLI can write, text both short and with --explain. */
const RENDERINGS: Array<[ReportFormat, { color: false; explain?: boolean }]> = [
  ...REPORT_FORMATS.map((format): [ReportFormat, { color: false }] => [format, { color: false }]),
  ['text', { color: false, explain: true }],
]

/**
 * No renderer threw, none wrote into a prototype, and each rendering is well-formed in its own
 * syntax and free of raw control characters.
 */
export function assertOutputsClean(run: InProcessRun, context: string): void {
  if (run.renderFailures.length > 0) throw new Error(`a renderer threw: ${run.renderFailures.join('\n')}\n${context}`)
  if (run.pollution.length > 0) throw new Error(`prototype polluted: ${run.pollution.join(', ')}\n${context}`)
  for (const { format, text } of run.rendered) {
    if (typeof text !== 'string') throw new Error(`${format}: renderer returned ${typeof text}\n${context}`)
    assertNoRawControl(format, text)
    if (format === 'json' || format === 'sarif') {
      try {
        JSON.parse(text)
      } catch (error) {
        throw new Error(`${format}: not valid JSON (${(error as Error).message})\n${context}`)
      }
    }
    if (format === 'junit') {
      const valid = XMLValidator.validate(text)
      if (valid !== true) throw new Error(`junit: not well-formed XML: ${JSON.stringify(valid.err)}\n${context}`)
    }
  }
}

export interface InProcessRun {
  result: CheckResult
  exitCode: 0 | 1 | 2
  rendered: Rendered[]
  /** Renderers that threw, with their stacks (the CLI would print them). */
  renderFailures: string[]
  /** Keys the run or a renderer added to a built-in prototype (already removed again). */
  pollution: string[]
  ms: number
}

/**
 * runCheck as the `check` command runs it, raced against a watchdog: a run that has not ended
 * by `deadlineMs + slack` (or `limitMs` without a deadline) fails the case instead of hanging
 * the suite. The watchdog timer is a normal (ref'd) timer, which also keeps this process alive
 * while a source never answers, as the CLI process must keep itself alive.
 */
export async function checkInProcess(request: CheckRequest, options: { limitMs?: number; context?: string; render?: boolean } = {}): Promise<InProcessRun> {
  const context = options.context ?? ''
  const limitMs = options.limitMs ?? (request.deadlineMs !== undefined ? request.deadlineMs + 1500 : 10_000)
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the check did not end within ${limitMs} ms${request.deadlineMs !== undefined ? ` (deadline ${request.deadlineMs} ms)` : ''}\n${context}`)), limitMs)
  })
  let result: CheckResult
  try {
    result = await Promise.race([runCheck(request), watchdog])
  } catch (error) {
    if ((error as Error).message?.startsWith('the check did not end')) throw error
    throw new Error(`runCheck threw (the CLI would print a stack trace): ${(error as Error)?.stack ?? String(error)}\n${context}`)
  } finally {
    clearTimeout(timer)
  }
  const ms = performance.now() - started
  // The exit code is taken before rendering, as the command does; a renderer's failure is its own
  // invariant, checked by the properties that render (exit-code properties skip it, for speed).
  const exitCode = result.report ? result.report.exitCode : 1
  const rendered: Rendered[] = []
  const renderFailures: string[] = []
  if (result.diagnostics.length > 0) rendered.push({ format: 'stderr diagnostics', text: diagnosticsText(result.diagnostics) })
  if (result.report && options.render !== false) {
    for (const [format, renderOptions] of RENDERINGS) {
      try {
        rendered.push({ format: renderOptions.explain ? 'text --explain' : format, text: renderReport(format, result.report, renderOptions) })
      } catch (error) {
        renderFailures.push(`${format}: ${(error as Error)?.stack ?? String(error)}`)
      }
    }
  }
  return { result, exitCode, rendered, renderFailures, pollution: repairPrototypes(), ms }
}

// ---------------------------------------------------------------------------------------- the outside source

/**
 * An installed source package whose answers come from a plan file, one entry per cluster key:
 * `resolve` (any JSON value, malformed or not), `sync` (returned without a promise), `nothing`
 * (resolves undefined), `throw` (an Error with name/code/message), `throw-value` (a non-Error),
 * `reject`, `hang` (a promise that never settles, ignoring the signal) and `late` (answers after `ms`).
 * Plain JS with no import of partner-drift, as an outside author may write it.
 */
const FUZZ_SOURCE = `import { readFileSync } from 'node:fs'

export default {
  name: 'fuzz',
  version: '1.0.0',
  contractVersion: '1.0',
  description: 'answers from a plan file (fuzz suite)',
  options: { shorthand: 'path', schema: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string' } } } },
  open(options) {
    const plan = new Map(Object.entries(JSON.parse(readFileSync(options.path, 'utf8'))))
    return {
      observe(target) {
        const b = plan.get(target.accountId + '/' + target.region + '/' + target.cluster)
        if (!b) return Promise.resolve(undefined)
        switch (b.mode) {
          case 'resolve': return Promise.resolve(b.value)
          case 'sync': return b.value
          case 'nothing': return Promise.resolve(undefined)
          case 'throw': { const e = new Error(b.message); if (b.name !== undefined) e.name = b.name; if (b.code !== undefined) e.code = b.code; throw e }
          case 'throw-value': throw b.value
          case 'reject': return Promise.reject(b.value)
          case 'hang': return new Promise(() => {})
          case 'late': return new Promise((resolve) => setTimeout(() => resolve(b.value), b.ms))
          default: throw new Error('bad plan entry')
        }
      },
    }
  },
}
`

export type SourceAnswer =
  | { mode: 'resolve' | 'sync'; value: unknown }
  | { mode: 'nothing' | 'hang' }
  | { mode: 'throw'; message: string; name?: string; code?: unknown }
  | { mode: 'throw-value' | 'reject'; value: unknown }
  | { mode: 'late'; value: unknown; ms: number }

/** A project directory that depends on the fuzz source package; `--source fuzz:PLAN` works from it. */
export async function fuzzSourceProject(): Promise<string> {
  const dir = await tempDir('fuzz-source')
  await writeProject(dir, { dependencies: { 'partner-drift-source-fuzz': '1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'partner-drift-source-fuzz',
    declaration: { sources: { fuzz: './index.js' } },
    files: { 'index.js': FUZZ_SOURCE },
  })
  return dir
}

export async function writePlan(path: string, plan: Record<string, SourceAnswer>): Promise<void> {
  // JSON cannot carry undefined; a `resolve` of undefined is the `nothing` mode.
  await writeFile(path, JSON.stringify(plan))
}

/** A short description of a case for failure messages: the inputs as written. */
export function describeInputs(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([name, text]) => `--- ${name}\n${visible(text.length > 4000 ? text.slice(0, 4000) + '…' : text)}`)
    .join('\n')
}
