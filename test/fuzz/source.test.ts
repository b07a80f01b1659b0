/**
 * Fuzz :: an installed outside source answering with generated observations, in-process.
 * Per cluster the source resolves a well-formed observation (from the case model), or breaks
 * the contract: a value that is no observation, an unknown kind, a field of the wrong type, a
 * malformed integration; or it throws, rejects with a non-Error, never settles, or answers
 * after the deadline. Whatever it does, a cluster it did not properly observe is an error
 * finding naming the source, the run ends by its deadline, and the exit code is never 0.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'

import {
  assertExitCode,
  assertOutputsClean,
  checkInProcess,
  describeInputs,
  fuzzParameters,
  fuzzSourceProject,
  runsFor,
  type SourceAnswer,
  writePlan,
} from './helpers/harness.js'
import {
  type CaseModel,
  caseArbitrary,
  clusterKeyOf,
  contractObservation,
  expectedExitCodes,
  hostileText,
  manifestText,
  resolvedIdentity,
} from './helpers/model.js'

const test = suite<{ dir: string }>('fuzz :: outside source')

test.before(async (ctx) => {
  ctx.dir = await fuzzSourceProject()
})

/** Values that are no observation at all. */
const notAnObservation = fc.constantFrom<unknown>(null, 42, 'observed', [], true, {}, { kind: 'observed' }, [{ kind: 'observed', observedAt: '2026-11-24T12:00:00Z', integrations: [] }])

/** Integrations that break ObservedIntegration's types. */
const badIntegration = fc.constantFrom<unknown>(
  null,
  42,
  'dev/Fivetran',
  [],
  { database: 'dev' },
  { database: 'dev', partner: 'Fivetran' },
  { database: 42, partner: 'Fivetran', status: 'Active' },
  { database: 'dev', partner: null, status: 'Active' },
  { database: 'dev', partner: 'Fivetran', status: null },
  { database: 'dev', partner: 'Fivetran', status: 7 },
  { database: 'dev', partner: 'Fivetran', status: 'Active', statusMessage: 42 },
  { database: 'dev', partner: 'Fivetran', status: 'Active', updatedAt: 20261124 },
  { database: 'dev', partner: 'Fivetran', status: 'Active', createdAt: {} },
)

/** A well-formed observation turned into one that breaks the contract; the result is never valid. */
function malformedFrom(valid: unknown): fc.Arbitrary<unknown> {
  const v = (valid ?? { kind: 'observed', observedAt: '2026-11-24T12:00:00Z', integrations: [] }) as Record<string, unknown>
  const variants: Array<fc.Arbitrary<unknown>> = [
    notAnObservation,
    fc.constantFrom<unknown>('Observed', 'ok', '', 42, null, 'in-sync').map((kind) => ({ ...v, kind })),
    fc.constant((({ kind: _kind, ...rest }) => rest)(v)),
  ]
  if (v.kind === 'observed') {
    variants.push(
      fc.constantFrom<unknown>(undefined, null, {}, 'none', 42, { length: 0 }).map((integrations) => ({ ...v, integrations })),
      fc.constantFrom<unknown>(undefined, null, 42, {}).map((observedAt) => ({ ...v, observedAt })),
      fc.tuple(badIntegration, fc.nat()).map(([bad, at]) => {
        const list = [...(v.integrations as unknown[])]
        list.splice(at % (list.length + 1), 0, bad)
        return { ...v, integrations: list }
      }),
    )
  }
  if (v.kind === 'error') variants.push(fc.constantFrom<unknown>({ kind: 'error' }, { kind: 'error', code: 42, message: 'x' }, { kind: 'error', code: 'E', message: {} }, { kind: 'error', message: 'no code' }))
  if (v.kind === 'not-found') variants.push(fc.constantFrom<unknown>({ kind: 'not-found' }, { kind: 'not-found', observedAt: '2026-11-24T12:00:00Z', message: 42 }, { kind: 'not-found', message: 'gone' }))
  // JSON (the plan file) drops undefined members; what the source then returns is still malformed.
  return fc.oneof(...variants)
}

interface Planned {
  answer: SourceAnswer
  /** The source did not deliver a well-formed observation: the cluster must end as an error. */
  unobserved: boolean
}

function answerFor(model: CaseModel, clusterIndex: number, deadlineMs: number): fc.Arbitrary<Planned> {
  const c = model.clusters[clusterIndex]!
  const valid = contractObservation(model, c)
  const wellFormed: Planned = valid === undefined ? { answer: { mode: 'nothing' }, unobserved: true } : { answer: { mode: 'resolve', value: valid }, unobserved: false }
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(wellFormed) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 10 }).map((ms): Planned => (valid === undefined ? wellFormed : { answer: { mode: 'late', value: valid, ms }, unobserved: false })) },
    { weight: 4, arbitrary: malformedFrom(valid).map((value): Planned => ({ answer: { mode: 'resolve', value }, unobserved: true })) },
    { weight: 1, arbitrary: malformedFrom(valid).map((value): Planned => ({ answer: { mode: 'sync', value }, unobserved: true })) },
    {
      weight: 2,
      arbitrary: fc
        .record({ message: hostileText(), name: fc.option(fc.oneof(fc.constantFrom('TypeError', 'AccessDenied', ''), hostileText(2)), { nil: undefined }), code: fc.option(fc.oneof(fc.constantFrom<unknown>('ECONNRESET', 42, '', null)), { nil: undefined }) })
        .map((e): Planned => ({ answer: { mode: 'throw', message: e.message, ...(e.name !== undefined ? { name: e.name } : {}), ...(e.code !== undefined ? { code: e.code } : {}) }, unobserved: true })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom<'throw-value' | 'reject'>('throw-value', 'reject'), fc.oneof(fc.constantFrom<unknown>(null, 42, {}, { code: 7 }, { message: {} }), hostileText()))
        .map(([mode, value]): Planned => ({ answer: { mode, value }, unobserved: true })),
    },
    { weight: 1, arbitrary: fc.constant<Planned>({ answer: { mode: 'hang' }, unobserved: true }) },
    { weight: 1, arbitrary: fc.constant<Planned>(valid === undefined ? wellFormed : { answer: { mode: 'late', value: valid, ms: deadlineMs + 150 }, unobserved: true }) },
  )
}

const DEADLINE_MS = 120

const planned = (deadlineMs: number) =>
  caseArbitrary().chain((model) => fc.tuple(fc.constant(model), fc.tuple(...model.clusters.map((_, i) => answerFor(model, i, deadlineMs)))))

async function check(dir: string, model: CaseModel, answers: Planned[], deadlineMs: number, render = false) {
  const manifest = join(dir, 'partner-drift.yaml')
  const planFile = join(dir, 'plan.json')
  const plan: Record<string, SourceAnswer> = {}
  model.clusters.forEach((c, i) => (plan[clusterKeyOf(resolvedIdentity(model, c))] = answers[i]!.answer))
  const files = { 'partner-drift.yaml': manifestText(model), 'plan.json': JSON.stringify(plan, null, 1) }
  await Promise.all([writeFile(manifest, files['partner-drift.yaml']), writePlan(planFile, plan)])
  const context = describeInputs(files)
  const run = await checkInProcess(
    { manifest, source: `fuzz:${planFile}`, concurrency: 4, cwd: dir, deadlineMs, ...(model.failOn ? { policy: { failOn: model.failOn } } : {}) },
    { context, render },
  )
  return { run, context }
}

test('fuzz :: outside source :: malformed, thrown, hung or late answers are error findings of the source; exit code as judged', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(planned(DEADLINE_MS), async ([model, answers]) => {
      const { run, context } = await check(dir, model, answers, DEADLINE_MS)
      const malformed = new Set(model.clusters.filter((_, i) => answers[i]!.unobserved).map((c) => c.cluster))
      const verdict = expectedExitCodes(model, () => Date.parse(model.observedAt), malformed)
      assertExitCode(run.exitCode, verdict.exitCodes, context)
      for (const name of verdict.unobserved) {
        const c = model.clusters.find((x) => x.cluster === name)!
        const key = clusterKeyOf(resolvedIdentity(model, c))
        const errors = run.result.report?.findings.filter((f) => f.kind === 'error' && clusterKeyOf(f) === key) ?? []
        if (errors.length === 0) throw new Error(`cluster ${key} was not properly observed but has no error finding\n${context}`)
        // The error names where it came from, so a user knows whom to ask.
        if (!errors.some((f) => f.message.includes('fuzz'))) throw new Error(`error finding of ${key} does not name the source: ${errors.map((f) => f.message).join('; ')}\n${context}`)
        const answer = answers[model.clusters.indexOf(c)]!.answer
        // `late` within the deadline is an ordinary answer (the model's own error, say); past it, only DeadlineExceeded.
        const tooLate = answer.mode === 'hang' || (answer.mode === 'late' && answer.ms > DEADLINE_MS)
        if (tooLate && !errors.some((f) => f.cause?.code === 'DeadlineExceeded')) {
          throw new Error(`cluster ${key} did not answer within the deadline but its error is ${errors.map((f) => f.cause?.code).join(', ')}\n${context}`)
        }
      }
    }),
    fuzzParameters(runsFor(1)),
  )
})

test('fuzz :: outside source :: no renderer throws; no format and no diagnostic carries a raw control character', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(planned(DEADLINE_MS), async ([model, answers]) => {
      const { run, context } = await check(dir, model, answers, DEADLINE_MS, true)
      assertOutputsClean(run, context)
    }),
    fuzzParameters(runsFor(1)),
  )
})

test('fuzz :: outside source :: a run ends by its deadline (plus slack) whatever the source does', async ({ dir }) => {
  const hanging = caseArbitrary().chain((model) =>
    fc.tuple(
      fc.constant(model),
      fc.integer({ min: 30, max: 400 }),
      // At least one cluster never answers or answers too late.
      fc.tuple(...model.clusters.map(() => fc.constantFrom<'hang' | 'late' | 'answer'>('hang', 'late', 'answer'))).filter((modes) => modes.some((m) => m !== 'answer')),
    ),
  )
  await fc.assert(
    fc.asyncProperty(hanging, async ([model, deadlineMs, modes]) => {
      const answers = model.clusters.map((c, i): Planned => {
        const valid = contractObservation(model, c) ?? { kind: 'observed', observedAt: model.observedAt, integrations: [] }
        if (modes[i] === 'hang') return { answer: { mode: 'hang' }, unobserved: true }
        if (modes[i] === 'late') return { answer: { mode: 'late', value: valid, ms: deadlineMs + 200 }, unobserved: true }
        return { answer: { mode: 'resolve', value: valid }, unobserved: false }
      })
      const started = performance.now()
      const { run, context } = await check(dir, model, answers, deadlineMs)
      const ms = performance.now() - started
      // Slack for a machine shared with other test runs; the point is "bounded", not "fast".
      if (ms > deadlineMs + 1000) throw new Error(`the run took ${Math.round(ms)} ms with a ${deadlineMs} ms deadline\n${context}`)
      assertExitCode(run.exitCode, new Set([1]), context)
      model.clusters.forEach((c, i) => {
        if (modes[i] === 'answer') return
        const key = clusterKeyOf(resolvedIdentity(model, c))
        const finding = run.result.report?.findings.find((f) => f.kind === 'error' && clusterKeyOf(f) === key)
        if (finding?.cause?.code !== 'DeadlineExceeded') throw new Error(`cluster ${key} (${modes[i]}) should be DeadlineExceeded, got ${JSON.stringify(finding?.cause)}\n${context}`)
      })
    }),
    // Each case waits out its deadline (30-400 ms): a tenth of the share, 3 at least.
    fuzzParameters(runsFor(0.03, 3)),
  )
})

test.run()
