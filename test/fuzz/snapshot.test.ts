/**
 * Fuzz :: generated manifests against generated snapshots, in-process (runCheck, then every
 * renderer). Observed names, statuses and messages carry control characters and format syntax;
 * items repeat, statuses go beyond the four documented ones, timestamps are odd (offsets,
 * fractions, far future, just-within skew, impossible dates). Each case is judged by the
 * model's own oracle, independently of src/.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'

import { tempDir } from '../helpers/source-packages.js'
import {
  assertExitCode,
  assertOutputsClean,
  checkInProcess,
  describeInputs,
  fuzzParameters,
  runsFor,
} from './helpers/harness.js'
import { type CaseModel, caseArbitrary, clusterKeyOf, expectedExitCodes, manifestText, resolvedIdentity, snapshotText } from './helpers/model.js'

const test = suite<{ dir: string }>('fuzz :: snapshot')

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-snapshot')
})

/** Writes the case's manifest and snapshot and checks it in-process. */
async function check(dir: string, model: CaseModel, style: 'yaml' | 'json', render: boolean) {
  const manifest = join(dir, 'partner-drift.yaml')
  const snapshot = join(dir, 'snapshot.json')
  const files = { 'partner-drift.yaml': manifestText(model, style), 'snapshot.json': snapshotText(model) }
  await Promise.all([writeFile(manifest, files['partner-drift.yaml']), writeFile(snapshot, files['snapshot.json'])])
  const context = describeInputs(files)
  const run = await checkInProcess(
    { manifest, source: `snapshot:${snapshot}`, concurrency: 4, cwd: dir, ...(model.failOn ? { policy: { failOn: model.failOn } } : {}) },
    { context, render },
  )
  return { run, context }
}

const style = fc.constantFrom<'yaml' | 'json'>('yaml', 'json')

test('fuzz :: snapshot :: exit code as judged; a cluster not observed is an error finding, never exit 0', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(caseArbitrary(), style, async (model, style) => {
      const { run, context } = await check(dir, model, style, false)
      const verdict = expectedExitCodes(model, () => Date.parse(model.observedAt))
      assertExitCode(run.exitCode, verdict.exitCodes, `${run.result.diagnostics.map((d) => d.message).join('\n')}\n${context}`)
      // Not only the exit code: each cluster that was not observed carries its own error finding.
      for (const name of verdict.unobserved) {
        const c = model.clusters.find((x) => x.cluster === name)!
        const key = clusterKeyOf(resolvedIdentity(model, c))
        const errors = run.result.report?.findings.filter((f) => f.kind === 'error' && clusterKeyOf(f) === key) ?? []
        if (errors.length === 0) throw new Error(`cluster ${key} was not observed but has no error finding\n${context}`)
      }
    }),
    fuzzParameters(runsFor(1)),
  )
})

test('fuzz :: snapshot :: no renderer throws; no format and no diagnostic carries a raw control character', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(caseArbitrary(), style, async (model, style) => {
      const { run, context } = await check(dir, model, style, true)
      assertOutputsClean(run, context)
    }),
    fuzzParameters(runsFor(1)),
  )
})

test.run()
