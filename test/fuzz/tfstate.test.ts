/**
 * Fuzz :: generated Terraform state (format 4) read by the tfstate source, in-process. The
 * state records what the model observed as `aws_redshift_partner` instances (names, statuses
 * and status messages with control characters, duplicates of one integration, statuses beyond
 * the documented four) next to unrelated resources. Terraform records no timestamps, so every
 * integration with a maxStatusAge is stale, and a cluster with no instance is not found.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'

import { tempDir } from '../helpers/source-packages.js'
import { assertExitCode, assertOutputsClean, checkInProcess, describeInputs, fuzzParameters, runsFor } from './helpers/harness.js'
import { type CaseModel, caseArbitrary, expectedExitCodes, manifestText, tfstateText } from './helpers/model.js'

const test = suite<{ dir: string }>('fuzz :: tfstate')

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-tfstate')
})

/** What a state can say: no timestamps, and a cluster it does not record is not found. */
function asRecordedByTerraform(model: CaseModel): CaseModel {
  return {
    ...model,
    clusters: model.clusters.map((c) => ({
      ...c,
      // A state holds instances, not answers: a cluster with none is indistinguishable from one Terraform never saw.
      observation:
        c.observation.kind === 'observed' && c.observation.items.length > 0
          ? { kind: 'observed', items: c.observation.items.map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest) }
          : { kind: 'not-found', message: 'not in Terraform state' },
    })),
  }
}

const stateCase = caseArbitrary().map(asRecordedByTerraform)

async function check(dir: string, model: CaseModel, render: boolean) {
  const manifest = join(dir, 'partner-drift.yaml')
  const state = join(dir, 'terraform.tfstate')
  const files = { 'partner-drift.yaml': manifestText(model), 'terraform.tfstate': tfstateText(model) }
  await Promise.all([writeFile(manifest, files['partner-drift.yaml']), writeFile(state, files['terraform.tfstate'])])
  const context = describeInputs(files)
  const run = await checkInProcess(
    { manifest, source: `tfstate:${state}`, concurrency: 4, cwd: dir, ...(model.failOn ? { policy: { failOn: model.failOn } } : {}) },
    { context, render },
  )
  return { run, context }
}

test('fuzz :: tfstate :: exit code as judged (every recorded instance judged, duplicates included)', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(stateCase, async (model) => {
      const { run, context } = await check(dir, model, false)
      // The state's observedAt is its modification time; with no timestamps recorded, it decides nothing.
      const verdict = expectedExitCodes(model, () => Date.now())
      assertExitCode(run.exitCode, verdict.exitCodes, context)
    }),
    fuzzParameters(runsFor(1)),
  )
})

test('fuzz :: tfstate :: no renderer throws; no format carries a raw control character', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(stateCase, async (model) => {
      const { run, context } = await check(dir, model, true)
      assertOutputsClean(run, context)
    }),
    fuzzParameters(runsFor(1)),
  )
})

test.run()
