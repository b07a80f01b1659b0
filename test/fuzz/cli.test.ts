/**
 * Fuzz :: the real CLI process, a few generated cases per run (each costs a Node start, about
 * 0.3 s, so `runsFor(0.02)` or less: 1-2 by default, 100-200 under `npm run fuzz`; failures are reported
 * unshrunk). What only the process shows: the exit code itself, stderr without stack traces,
 * every stream and `--output` file free of raw control characters, and a source that never
 * answers ending in DeadlineExceeded by `--timeout` (the process must not exit early).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'
import { stringify } from 'yaml'

import type { Report } from '../../src/model/report.js'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/source-packages.js'
import { assertExitCode, assertNoRawControl, assertNoStackTrace, describeInputs, fuzzParameters, fuzzSourceProject, runsFor, type SourceAnswer, visible, writePlan } from './helpers/harness.js'
import { caseArbitrary, clusterKeyOf, contractObservation, expectedExitCodes, hostileText, manifestText, manifestValue, resolvedIdentity, snapshotText } from './helpers/model.js'

const FORMATS = ['text', 'json', 'diff', 'sarif', 'junit', 'markdown', 'github'] as const

const test = suite<{ dir: string; project: string }>('fuzz :: CLI process')

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-cli')
  ctx.project = await fuzzSourceProject()
})

const ENV = { CI: '1', GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined }

/** The process's streams and every output file: no stack trace on stderr, nothing raw anywhere. */
async function assertStreamsClean(run: { stdout: string; stderr: string }, files: string[], context: string): Promise<void> {
  assertNoStackTrace('stderr', run.stderr)
  assertNoRawControl('stdout', run.stdout)
  assertNoRawControl('stderr', run.stderr)
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined)
    if (text === undefined) throw new Error(`--output ${file} was not written\n${context}`)
    assertNoRawControl(`--output ${file}`, text)
  }
}

test('fuzz :: CLI process :: snapshot cases: exit code as judged, no stack trace, every stream and output file clean', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(caseArbitrary(), fc.constantFrom(...FORMATS), async (model, format) => {
      const manifest = join(dir, 'partner-drift.yaml')
      const snapshot = join(dir, 'snapshot.json')
      const files = { 'partner-drift.yaml': manifestText(model), 'snapshot.json': snapshotText(model) }
      await Promise.all([writeFile(manifest, files['partner-drift.yaml']), writeFile(snapshot, files['snapshot.json'])])
      const outputs = FORMATS.filter((f) => f !== format).map((f) => join(dir, `report.${f}`))
      const args = ['check', manifest, '--source', `snapshot:${snapshot}`, '--format', format, ...FORMATS.filter((f) => f !== format).flatMap((f) => ['--output', `${f}=${join(dir, `report.${f}`)}`])]
      if (model.failOn) args.push('--fail-on', model.failOn.join(','))
      const run = await runCli(args, { env: ENV, cwd: dir })
      const context = `partner-drift ${args.join(' ')}\nstderr: ${visible(run.stderr)}\n${describeInputs(files)}`
      assertExitCode(run.code, expectedExitCodes(model, () => Date.parse(model.observedAt)).exitCodes, context)
      await assertStreamsClean(run, run.code === 1 && !run.stdout ? [] : outputs, context)
    }),
    fuzzParameters(runsFor(0.02, 2), { shrink: false }),
  )
})

test('fuzz :: CLI process :: a source that never answers ends in DeadlineExceeded by --timeout, exit 1', async ({ project }) => {
  const hanging = caseArbitrary().chain((model) =>
    fc.tuple(fc.constant(model), fc.tuple(...model.clusters.map(() => fc.constantFrom<'hang' | 'answer'>('hang', 'answer'))).filter((m) => m.includes('hang'))),
  )
  await fc.assert(
    fc.asyncProperty(hanging, async ([model, modes]) => {
      const manifest = join(project, 'partner-drift.yaml')
      const planFile = join(project, 'plan.json')
      const plan: Record<string, SourceAnswer> = {}
      model.clusters.forEach((c, i) => {
        const value = contractObservation(model, c)
        plan[clusterKeyOf(resolvedIdentity(model, c))] = modes[i] === 'hang' ? { mode: 'hang' } : value === undefined ? { mode: 'nothing' } : { mode: 'resolve', value }
      })
      await Promise.all([writeFile(manifest, manifestText(model)), writePlan(planFile, plan)])
      const args = ['check', manifest, '--source', `fuzz:${planFile}`, '--timeout', '1', '--format', 'json']
      const run = await runCli(args, { env: ENV, cwd: project, timeoutMs: 30_000 })
      const context = `partner-drift ${args.join(' ')} -> exit ${run.code} in ${run.ms} ms\nstderr: ${visible(run.stderr)}\n${describeInputs({ 'partner-drift.yaml': manifestText(model), 'plan.json': JSON.stringify(plan, null, 1) })}`
      assertNoStackTrace('stderr', run.stderr)
      assertExitCode(run.code, new Set([1]), context)
      // 1 s deadline, plus a Node start and the report on a shared machine.
      if (run.ms > 1000 + 5000) throw new Error(`took ${run.ms} ms with --timeout 1\n${context}`)
      let report: Report
      try {
        report = JSON.parse(run.stdout) as Report
      } catch {
        throw new Error(`no JSON report on stdout\n${context}`)
      }
      model.clusters.forEach((c, i) => {
        if (modes[i] !== 'hang') return
        const finding = report.findings.find((f) => f.kind === 'error' && f.cluster === c.cluster)
        if (finding?.cause?.code !== 'DeadlineExceeded') throw new Error(`cluster ${c.cluster} never answered; its finding is ${JSON.stringify(finding?.cause)}\n${context}`)
      })
    }),
    fuzzParameters(runsFor(0.01, 1), { shrink: false }),
  )
})

test('fuzz :: CLI process :: an invalid manifest: exit 1, located diagnostics on stderr, no stack trace, nothing raw', async ({ dir }) => {
  const breaker = fc.constantFrom('\n', '\u0000', '\u001b[2J', '\u0085', '\u202e', '\u2066', ' ')
  await fc.assert(
    fc.asyncProperty(caseArbitrary({ hostile: false }), hostileText(2), breaker, fc.constantFrom('cluster', 'database', 'partner'), async (model, text, bad, level) => {
      const value = manifestValue(model) as { clusters: Array<{ cluster: string; databases: Array<Record<string, unknown>> }> }
      const name = `${text}${bad}`
      if (level === 'cluster') value.clusters[0]!.cluster = name
      else if (level === 'database') value.clusters[0]!.databases.unshift({ database: name })
      else value.clusters[0]!.databases.unshift({ database: 'fuzzdb', partners: [{ partner: name }] })
      const manifest = join(dir, 'invalid.yaml')
      const yaml = stringify(value)
      await writeFile(manifest, yaml)
      const args = ['check', manifest, '--source', 'snapshot:/nonexistent/snapshot.json']
      const run = await runCli(args, { env: ENV, cwd: dir })
      const context = `partner-drift ${args.join(' ')} -> exit ${run.code}\nstderr: ${visible(run.stderr)}\n${describeInputs({ 'invalid.yaml': yaml })}`
      assertExitCode(run.code, new Set([1]), context)
      if (!new RegExp(`${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `).test(run.stderr)) throw new Error(`stderr names no FILE:LINE:COLUMN\n${context}`)
      await assertStreamsClean(run, [], context)
    }),
    fuzzParameters(runsFor(0.02, 1), { shrink: false }),
  )
})

test.run()
