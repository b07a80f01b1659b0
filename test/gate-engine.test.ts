/**
 * Issue 8, the engine's part: one table row per reproduction, built from the issue's own
 * reproduction. The plugin cases run the real CLI with an outside source package installed in a
 * throwaway project; the diff and policy cases call the engine in process, their natural level.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterObservation, ObservedIntegration, SourceDefinition } from '../src/contract.js'
import { computeFindings } from '../src/diff/compute-findings.js'
import { type Finding, fingerprintOf } from '../src/model/finding.js'
import { clusterKey } from '../src/model/cluster.js'
import { MAX_DEADLINE_MS, observeClusters } from '../src/observe/orchestrator.js'
import { glob } from '../src/policy/apply-policy.js'
import { buildReport } from '../src/check.js'
import { desiredFrom, runCli, yamlLines } from './helpers/cli.js'
import { tempDir, writeJson, writePackage, writeProject } from './helpers/source-packages.js'

const ACCOUNT = '123456789012'
const REGION = 'eu-west-1'
const OBSERVED_AT = '2026-11-24T10:00:00Z'

interface ReportFinding {
  kind: string
  severity: string
  cluster: string
  database?: string
  partner?: string
  message: string
  fingerprint: string
  cause?: { code: string; hint?: string }
  suppressed?: { by: string }
}

/** A manifest declaring `clusters`, each expecting nothing (so any observation of them is in sync). */
function manifestOf(clusters: string[], databases = '[]'): string {
  return yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: ${REGION} }`, 'clusters:', ...clusters.map((c) => `  - { cluster: ${c}, databases: ${databases} }`))
}

// ---------------------------------------------------------------------------------------------
// The outside source: a package in a throwaway project, as a third party would ship it. What it
// does is chosen with --source gate:MODE; in `table` mode each cluster gets the answer TABLE holds.

let project: Promise<string> | undefined
/** The throwaway project with the source package installed; made once, for every suite that needs it. */
function gateProject(): Promise<string> {
  project ??= (async () => {
    const dir = await writeProject(await tempDir('gate'), { dependencies: { 'partner-drift-source-gate': '1.0.0' } })
    await writePackage(join(dir, 'node_modules'), { name: 'partner-drift-source-gate', declaration: { sources: { gate: './index.js' } }, files: { 'index.js': GATE_SOURCE } })
    return dir
  })()
  return project
}

/** Cluster -> what the source resolves with; the first rows are the issue's malformed observations. */
const MALFORMED: Array<{ cluster: string; observation: unknown; problem: string }> = [
  { cluster: 'unknown-kind', observation: { kind: 'looked', observedAt: OBSERVED_AT, integrations: [] }, problem: 'kind: "looked" is not one of observed, not-found, error' },
  { cluster: 'no-kind', observation: { observedAt: OBSERVED_AT, integrations: [] }, problem: 'missing "kind"' },
  { cluster: 'not-a-list', observation: { kind: 'observed', observedAt: OBSERVED_AT, integrations: { dev: 'Fivetran' } }, problem: 'integrations: must be a list, not an object' },
  { cluster: 'no-list', observation: { kind: 'observed', observedAt: OBSERVED_AT }, problem: 'missing "integrations"' },
  { cluster: 'item-status', observation: { kind: 'observed', observedAt: OBSERVED_AT, integrations: [{ database: 'dev', partner: 'Fivetran', status: 42 }] }, problem: 'integrations[0].status: must be a string, not 42' },
  { cluster: 'item-database', observation: { kind: 'observed', observedAt: OBSERVED_AT, integrations: [{ partner: 'Fivetran', status: 'Active' }] }, problem: 'integrations[0]: missing "database"' },
  { cluster: 'item-null', observation: { kind: 'observed', observedAt: OBSERVED_AT, integrations: [null] }, problem: 'integrations[0]: must be an object, not null' },
  { cluster: 'error-message', observation: { kind: 'error', code: 'Boom', message: { text: 'no' } }, problem: 'message: must be a string, not an object' },
  { cluster: 'not-found-message', observation: { kind: 'not-found', observedAt: OBSERVED_AT, message: 404 }, problem: 'message: must be a string, not 404' },
  { cluster: 'no-observed-at', observation: { kind: 'observed', integrations: [] }, problem: 'missing "observedAt"' },
  { cluster: 'bad-observed-at', observation: { kind: 'observed', observedAt: 'yesterday', integrations: [] }, problem: 'observedAt: "yesterday" is not an RFC 3339 timestamp' },
  { cluster: 'no-such-day', observation: { kind: 'observed', observedAt: '2026-02-30T10:00:00Z', integrations: [] }, problem: 'observedAt: "2026-02-30T10:00:00Z" is not an RFC 3339 timestamp' },
  { cluster: 'nothing', observation: null, problem: 'must be an object, not null' },
]
const TABLE: Record<string, unknown> = {
  ...Object.fromEntries(MALFORMED.map((row) => [row.cluster, row.observation])),
  // A later contract minor may add members: tolerated, and left out of the report.
  'extra-member': { kind: 'observed', observedAt: OBSERVED_AT, integrations: [{ database: 'dev', partner: 'Fivetran', status: 'Active', region: 'x' }], cursor: 'next' },
  // Issue 8: RuntimeFailure followed by Active, from a live source.
  twice: { kind: 'observed', observedAt: OBSERVED_AT, integrations: [{ database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure' }, { database: 'dev', partner: 'Fivetran', status: 'Active' }] },
}

const GATE_SOURCE = `
const TABLE = ${JSON.stringify(TABLE)}
const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const empty = () => ({ kind: 'observed', observedAt: new Date().toISOString(), integrations: [] })
export default {
  name: 'gate',
  version: '1.0.0',
  contractVersion: '1.0',
  description: 'answers as the table or the mode says',
  options: { shorthand: 'mode', schema: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', description: 'table, open-hangs, open-throws, observe-hangs, close-hangs, listeners' } } } },
  open(options, context) {
    const mode = options.mode ?? 'table'
    if (mode === 'open-hangs') return new Promise(() => {})
    if (mode === 'open-throws') throw Object.assign(new Error('the queue at q.internal is unreachable'), { code: 'EQUEUE' })
    return {
      async observe(target, signal) {
        if (mode === 'observe-hangs') return new Promise(() => {})
        if (mode === 'listeners') {
          // What fetch() or an SDK does with the signals it is given: one listener per request.
          signal.addEventListener('abort', () => {})
          context.signal.addEventListener('abort', () => {})
          await idle(100)
          return empty()
        }
        if (mode === 'table') return Object.hasOwn(TABLE, target.cluster) ? TABLE[target.cluster] : empty()
        return empty()
      },
      close: mode === 'close-hangs' ? () => new Promise(() => {}) : async () => {},
    }
  },
}
`

async function gate(manifestText: string, args: string[]) {
  const cwd = await gateProject()
  const file = join(cwd, `m-${Math.random().toString(36).slice(2)}.yaml`)
  await writeFile(file, manifestText)
  const run = await runCli(['check', file, '--format', 'json', ...args], { cwd, env: { CI: '1' } })
  const findings = run.stdout ? (JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings : []
  return { ...run, findings }
}

const boundary = suite('gate :: what a source returns is checked at the boundary')

boundary('malformed observations are errors naming the source and the problem, never observed', async () => {
  const run = await gate(manifestOf(MALFORMED.map((row) => row.cluster)), ['--source', 'gate'])
  assert.is(run.code, 1, run.stderr)
  for (const row of MALFORMED) {
    const found = run.findings.filter((f) => f.cluster === row.cluster)
    assert.equal(found.map((f) => [f.kind, f.cause?.code]), [['error', 'InvalidObservation']], row.cluster)
    assert.match(found[0].message, `[source gate] ${row.cluster}: InvalidObservation: `, row.cluster)
    assert.match(found[0].message, row.problem, row.cluster)
    assert.match(found[0].cause?.hint ?? '', 'report it to its author', row.cluster)
  }
})

boundary('unknown extra members are tolerated and do not reach the report', async () => {
  const run = await gate(manifestOf(['extra-member'], '[{ database: dev, partners: [{ partner: Fivetran }] }]'), ['--source', 'gate'])
  assert.is(run.code, 0, run.stderr)
  const report = JSON.parse(run.stdout) as { clusters: Array<{ observed: unknown[] }> }
  assert.equal(report.clusters[0].observed, [{ database: 'dev', partner: 'Fivetran', status: 'Active' }])
})

boundary('a duplicate item from a live source never hides an unhealthy one (RuntimeFailure, then Active)', async () => {
  const run = await gate(manifestOf(['twice'], '[{ database: dev, partners: [{ partner: Fivetran }] }]'), ['--source', 'gate'])
  assert.is(run.code, 2, run.stderr)
  assert.equal(run.findings.map((f) => [f.kind, f.partner]), [['unhealthy', 'Fivetran']])
  assert.match(run.findings[0].message, 'status RuntimeFailure')
  assert.match(run.findings[0].message, 'the source reported it 2 times')
})

boundary.run()

// ---------------------------------------------------------------------------------------------
const hostile = suite('gate :: whatever a source throws or resolves with, the run goes on')

const trap = new Proxy({}, { get: () => { throw new Error('gotcha') }, getPrototypeOf: () => { throw new Error('gotcha') } })
const HOSTILE: Array<{ name: string; observe: () => unknown; code: string }> = [
  { name: 'throws an object with no prototype', observe: () => { throw Object.create(null) }, code: 'SourceError' },
  { name: 'throws a proxy whose every read throws', observe: () => { throw trap }, code: 'SourceError' },
  // Awaiting it reads its `then`, which throws: that is the source throwing.
  { name: 'resolves with a proxy whose every read throws', observe: async () => trap, code: 'SourceError' },
  { name: 'resolves with integrations whose getter throws', observe: async () => ({ kind: 'observed', observedAt: OBSERVED_AT, get integrations() { throw new Error('gotcha') } }), code: 'InvalidObservation' },
  { name: 'resolves with a list of more integrations than any cluster has', observe: async () => ({ kind: 'observed', observedAt: OBSERVED_AT, integrations: new Array(2 ** 31) }), code: 'InvalidObservation' },
  { name: 'throws synchronously', observe: () => { throw Object.assign(new Error('no'), { code: 'ENOPE' }) }, code: 'ENOPE' },
]

for (const row of HOSTILE) {
  hostile(`a source that ${row.name}: an error of that cluster only`, async () => {
    const source: SourceDefinition = {
      name: 'hostile',
      version: '1.0.0',
      contractVersion: '1.0',
      description: 'misbehaves for one cluster',
      open: () => ({ observe: async (target: { cluster: string }) => (target.cluster === 'bad' ? row.observe() : { kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }) }) as never,
    }
    const targets = ['bad', 'good'].map((cluster) => ({ accountId: ACCOUNT, region: REGION, cluster }))
    const { observations } = await observeClusters({ source, options: {}, targets, concurrency: 2, deadlineMs: 5000 })
    const [bad, good] = targets.map((t) => observations.get(clusterKey(t)))
    assert.is(bad?.kind === 'error' && bad.code, row.code)
    assert.is(bad?.kind === 'error' && bad.source, 'hostile')
    assert.is(good?.kind, 'observed')
  })
}

hostile('an open() that resolves with no session, an empty one, or a proxy: one SourceError, no crash', async () => {
  for (const session of [undefined, {}, trap]) {
    const source: SourceDefinition = { name: 'hostile', version: '1.0.0', contractVersion: '1.0', description: 'no session', open: () => session as never }
    const error = await observeClusters({ source, options: {}, targets: [{ accountId: ACCOUNT, region: REGION, cluster: 'a' }], concurrency: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    assert.is(error?.name, 'SourceError')
    assert.match(error?.message ?? '', 'source "hostile" could not open: ')
  }
})

hostile.run()

// ---------------------------------------------------------------------------------------------
const deadline = suite('gate :: the deadline always fires')

const STUCK: Array<{ mode: string; code: number; kinds: string[][] }> = [
  // Issue 8: a promise that never settles made Node exit 13 with no report.
  { mode: 'observe-hangs', code: 1, kinds: [['error', 'DeadlineExceeded'], ['error', 'DeadlineExceeded']] },
  { mode: 'open-hangs', code: 1, kinds: [['error', 'DeadlineExceeded'], ['error', 'DeadlineExceeded']] },
  // Every cluster was observed: a close() that never settles delays the report, never loses it.
  { mode: 'close-hangs', code: 0, kinds: [] },
]

for (const row of STUCK) {
  deadline(`a source whose ${row.mode.replace('-hangs', '()')} never settles: report at the deadline, exit ${row.code}`, async () => {
    const run = await gate(manifestOf(['a', 'b']), ['--source', `gate:${row.mode}`, '--timeout', '1'])
    assert.is(run.code, row.code, run.stderr)
    assert.not.match(run.stderr, 'Warning')
    const report = JSON.parse(run.stdout) as { clusters: unknown[] }
    assert.is(report.clusters.length, 2)
    assert.equal(run.findings.map((f) => [f.kind, f.cause?.code]), row.kinds)
    for (const f of run.findings) assert.match(f.message, `[source gate] ${f.cluster}: `)
  })
}

deadline('more than 10 clusters in flight: no Node warning on stderr', async () => {
  const clusters = Array.from({ length: 24 }, (_, i) => `c${i}`)
  const run = await gate(manifestOf(clusters), ['--source', 'gate:listeners', '--concurrency', '24'])
  assert.is(run.code, 0, run.stderr)
  assert.not.match(run.stderr, 'Warning')
  assert.not.match(run.stderr, 'MaxListeners')
})

deadline('a cluster signal a source left a listener on is never handed out again; the others serve later clusters; all abort at the deadline', async () => {
  const given: AbortSignal[] = []
  /** Each signal a listener was left on, with the place in `given` it was given at. */
  const listened: Array<[AbortSignal, number]> = []
  const source: SourceDefinition = {
    name: 'listening',
    version: '1.0.0',
    contractVersion: '1.0',
    description: 'leaves a listener on every third signal',
    open: () => ({
      observe: async (target: { cluster: string }, signal: AbortSignal) => {
        given.push(signal)
        if (Number(target.cluster.slice(1)) % 3 === 0) {
          signal.addEventListener('abort', () => {})
          listened.push([signal, given.length - 1])
        }
        await new Promise((r) => setTimeout(r, 1))
        return { kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }
      },
    }),
  }
  const targets = Array.from({ length: 30 }, (_, i) => ({ accountId: ACCOUNT, region: REGION, cluster: `c${i}` }))
  const { observations } = await observeClusters({ source, options: {}, targets, concurrency: 4, deadlineMs: 5000 })
  assert.is(observations.size, 30)
  // Ten signals were listened to, and none was given again after that.
  assert.is(new Set(listened.map(([signal]) => signal)).size, 10)
  for (const [signal, at] of listened) assert.is(given.lastIndexOf(signal), at)
  // The others were reused: far fewer signals than clusters.
  assert.ok(new Set(given).size < 20, `${new Set(given).size} signals for 30 clusters`)

  // A reused signal is still aborted with the run.
  let seen: AbortSignal | undefined
  const hanging: SourceDefinition = {
    ...source,
    open: () => ({
      observe: (target: { cluster: string }, signal: AbortSignal) =>
        target.cluster === 'quick' ? Promise.resolve({ kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }) : ((seen = signal), new Promise(() => {})),
    }),
  }
  const two = ['quick', 'stuck'].map((cluster) => ({ accountId: ACCOUNT, region: REGION, cluster }))
  const stuck = await observeClusters({ source: hanging, options: {}, targets: two, concurrency: 1, deadlineMs: 200 })
  assert.is(stuck.observations.get(clusterKey(two[1]!))?.kind, 'error')
  assert.is(seen?.aborted, true)
})

deadline("a source's answers are not held until the run ends: a race against the deadline keeps nothing once its work settles", () => {
  // Promise.race against one long-lived promise of the deadline kept every race's result (the
  // source's answer) reachable until the deadline: 1,999 of 1,999 here. A child with a garbage
  // collector to call counts, while the last cluster is observed, the earlier answers still reachable.
  const orchestrator = new URL('../src/observe/orchestrator.js', import.meta.url).href
  const script = `
    const { observeClusters } = await import(${JSON.stringify(orchestrator)})
    const N = 2000
    const answers = []
    let observed = 0
    let reachable = -1
    const source = {
      name: 'answers', version: '1.0.0', contractVersion: '1.0', description: 'a fresh answer per cluster',
      open: () => ({
        async observe(target) {
          if (++observed === N) {
            for (let i = 0; i < 3; i++) { await new Promise((r) => setImmediate(r)); gc() }
            reachable = answers.filter((a) => a.deref() !== undefined).length
          }
          const answer = { kind: 'observed', observedAt: '${OBSERVED_AT}', integrations: [{ database: 'dev', partner: 'Fivetran', status: 'Active', statusMessage: target.cluster }] }
          answers.push(new WeakRef(answer))
          return answer
        },
      }),
    }
    const targets = Array.from({ length: N }, (_, i) => ({ accountId: '${ACCOUNT}', region: '${REGION}', cluster: 'c' + i }))
    const { observations } = await observeClusters({ source, options: {}, targets, concurrency: 8, deadlineMs: 300000 })
    process.stdout.write(JSON.stringify({ observed: observations.size, reachable }))
  `
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.is(child.status, 0, child.stderr)
  const { observed, reachable } = JSON.parse(child.stdout) as { observed: number; reachable: number }
  assert.is(observed, 2000)
  // The answers of the clusters still in flight (at most the concurrency) may be reachable; no more.
  assert.ok(reachable >= 0 && reachable <= 8, `${reachable} of 1999 earlier answers still reachable`)
})

deadline('a deadline beyond what a timer holds (2147484 s) is held at the limit, not fired at once', async () => {
  const warnings: string[] = []
  const onWarning = (w: Error): number => warnings.push(w.name)
  process.on('warning', onWarning)
  const source: SourceDefinition = {
    name: 'quick',
    version: '1.0.0',
    contractVersion: '1.0',
    description: 'answers after a moment',
    open: () => ({ observe: async () => (await new Promise((r) => setTimeout(r, 20)), { kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }) }),
  }
  const targets = ['a', 'b'].map((cluster) => ({ accountId: ACCOUNT, region: REGION, cluster }))
  try {
    for (const deadlineMs of [2_147_484 * 1000, MAX_DEADLINE_MS + 1, Number.POSITIVE_INFINITY]) {
      const { observations } = await observeClusters({ source, options: {}, targets, concurrency: 2, deadlineMs })
      assert.equal([...observations.values()].map((o) => o.kind), ['observed', 'observed'], String(deadlineMs))
    }
    await new Promise((r) => setImmediate(r))
    assert.equal(warnings, [])
  } finally {
    process.off('warning', onWarning)
  }
})

deadline.run()

// ---------------------------------------------------------------------------------------------
const opening = suite('gate :: a source that cannot open is one error, before any cluster')

opening('a mistyped snapshot: path: the located cause, no report, no per-cluster error, exit 1', async () => {
  const dir = await tempDir('gate-open')
  const manifest = join(dir, 'partner-drift.yaml')
  await writeFile(manifest, manifestOf(['analytics-prod', 'analytics-dev', 'sales'], '[{ database: dev, partners: [{ partner: Fivetran }] }]'))
  const json = join(dir, 'report.json')
  const run = await runCli(['check', manifest, '--source', 'snapshot:snapshto.json', '--output', `json=${json}`], { cwd: dir, env: { CI: '1' } })
  assert.is(run.code, 1)
  assert.is(run.stdout, '')
  assert.ok(run.stderr.startsWith('snapshto.json:1:1: '), run.stderr)
  assert.is(run.stderr.split('\n').filter((line) => line.startsWith('snapshto.json:1:1: ')).length, 1, run.stderr)
  assert.not.match(run.stderr, 'fix the problems listed above')
  assert.not.match(run.stderr, 'analytics-prod')
  assert.not.ok(existsSync(json))

  const out = join(dir, 'snap.json')
  const snapshot = await runCli(['snapshot', manifest, '--source', 'snapshot:snapshto.json', '--out', out], { cwd: dir, env: { CI: '1' } })
  assert.is(snapshot.code, 1)
  assert.ok(snapshot.stderr.startsWith('snapshto.json:1:1: '), snapshot.stderr)
  assert.not.match(snapshot.stderr, 'not observed')
  assert.not.ok(existsSync(out))
})

opening('an open() that throws: one Error naming the source and its code, with what to do, exit 1', async () => {
  const run = await gate(manifestOf(['a', 'b']), ['--source', 'gate:open-throws'])
  assert.is(run.code, 1)
  assert.is(run.stdout, '')
  assert.match(run.stderr, /^Error: source "gate" could not open: EQUEUE: the queue at q\.internal is unreachable\nCode: source-open\nTry this: /)
  assert.not.match(run.stderr, '    at ')
})

opening.run()

// ---------------------------------------------------------------------------------------------
const diff = suite('gate :: the diff judges every item')

const FIVETRAN = yamlLines(
  'version: 1',
  `defaults: { accountId: "${ACCOUNT}", region: ${REGION}, absent: [Segment] }`,
  'clusters:',
  '  - cluster: prod',
  '    databases:',
  '      - database: dev',
  '        partners: [{ partner: Fivetran, maxStatusAge: 1d }]',
)

function findingsFor(yaml: string, integrations: ObservedIntegration[], observedAt = OBSERVED_AT): Finding[] {
  const observation: ClusterObservation = { kind: 'observed', observedAt, integrations }
  return computeFindings(desiredFrom(yaml), new Map([[clusterKey({ accountId: ACCOUNT, region: REGION, cluster: 'prod' }), observation]])).findings
}

const item = (partner: string, status: string, updatedAt?: string): ObservedIntegration => ({ database: 'dev', partner, status, ...(updatedAt ? { updatedAt } : {}) })
const FRESH = '2026-11-24T09:00:00Z'

const DUPLICATES: Array<{ name: string; items: ObservedIntegration[]; expected: Array<[string, string, string?]>; times?: number }> = [
  { name: 'RuntimeFailure then Active (the issue\'s case)', items: [item('Fivetran', 'RuntimeFailure', FRESH), item('Fivetran', 'Active', FRESH)], expected: [['unhealthy', 'Fivetran', 'RuntimeFailure']], times: 2 },
  { name: 'Active then RuntimeFailure', items: [item('Fivetran', 'Active', FRESH), item('Fivetran', 'RuntimeFailure', FRESH)], expected: [['unhealthy', 'Fivetran', 'RuntimeFailure']], times: 2 },
  { name: 'a fresh Active does not hide a stale one', items: [item('Fivetran', 'Active', FRESH), item('Fivetran', 'Active', '2026-11-01T00:00:00Z')], expected: [['stale', 'Fivetran', 'Active']], times: 2 },
  { name: 'an unhealthy copy does not hide a stale healthy one (found by the fuzz suite)', items: [item('Fivetran', 'Inactive', FRESH), item('Fivetran', 'Active', 'not a date')], expected: [['unhealthy', 'Fivetran', 'Inactive'], ['stale', 'Fivetran', 'Active']], times: 2 },
  { name: 'the same healthy item twice is in sync', items: [item('Fivetran', 'Active', FRESH), item('Fivetran', 'Active', FRESH)], expected: [] },
  { name: 'a forbidden partner reported three times is one finding', items: [item('Fivetran', 'Active', FRESH), item('Segment', 'Active'), item('Segment', 'Inactive'), item('Segment', 'Active')], expected: [['forbidden', 'Segment', 'Active']], times: 3 },
  { name: 'an extra partner reported twice is one finding', items: [item('Fivetran', 'Active', FRESH), item('Stitch', 'Active'), item('Stitch', 'Active')], expected: [['extra', 'Stitch', 'Active']], times: 2 },
]

for (const row of DUPLICATES) {
  diff(`duplicates :: ${row.name}`, () => {
    const findings = findingsFor(FIVETRAN, row.items)
    assert.equal(findings.map((f) => [f.kind, f.partner, f.observed?.status]), row.expected)
    for (const f of findings) {
      // Same identity as the single-item finding: baselines and SARIF keep matching.
      assert.is(f.fingerprint, fingerprintOf(f))
      if (row.times) assert.match(f.message, `the source reported it ${row.times} times`)
    }
  })
}

const STALENESS: Array<{ name: string; updatedAt: string; stale: RegExp | undefined }> = [
  { name: 'an hour in the future (the issue\'s case)', updatedAt: '2026-11-24T11:00:00Z', stale: /UpdatedAt 2026-11-24T11:00:00Z, 1h in the future of the observation/ },
  { name: 'years in the future', updatedAt: '2099-01-01T00:00:00Z', stale: /in the future/ },
  { name: 'within the 5 minute clock skew', updatedAt: '2026-11-24T10:04:00Z', stale: undefined },
  { name: 'just past the clock skew', updatedAt: '2026-11-24T10:05:01Z', stale: /in the future/ },
  { name: 'unparseable', updatedAt: 'last tuesday', stale: /UpdatedAt "last tuesday", which is not an RFC 3339 timestamp/ },
  { name: 'a day that does not exist', updatedAt: '2026-02-30T00:00:00Z', stale: /not an RFC 3339 timestamp/ },
  { name: 'a day old exactly', updatedAt: '2026-11-23T10:00:00Z', stale: undefined },
]

for (const row of STALENESS) {
  diff(`staleness :: UpdatedAt ${row.name}`, () => {
    const findings = findingsFor(FIVETRAN, [item('Fivetran', 'Active', row.updatedAt)])
    if (!row.stale) return assert.equal(findings, [])
    assert.equal(findings.map((f) => [f.kind, f.severity]), [['stale', 'fail']])
    assert.match(findings[0].message, row.stale)
    assert.match(findings[0].message, 'maxStatusAge 1d')
  })
}

diff.run()

// ---------------------------------------------------------------------------------------------
const names = suite('gate :: prototype-named databases and partners are ordinary names')

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']

names('through diff, policy and exceptions, in process', () => {
  for (const name of PROTO_NAMES) {
    const yaml = yamlLines(
      'version: 1',
      `defaults: { accountId: "${ACCOUNT}", region: ${REGION} }`,
      'clusters:',
      '  - cluster: prod',
      '    databases:',
      `      - { database: ${name}, partners: [{ partner: ${name} }, { partner: Fivetran }], absent: [suppressed] }`,
      `      - { database: dev, partners: [{ partner: ${name} }] }`,
      'exceptions:',
      `  - { database: ${name}, partner: suppressed, kind: forbidden, reason: migrating }`,
    )
    const observation: ClusterObservation = {
      kind: 'observed',
      observedAt: OBSERVED_AT,
      integrations: [
        { database: name, partner: name, status: 'RuntimeFailure' },
        { database: name, partner: 'suppressed', status: 'Active' },
        { database: 'dev', partner: name, status: 'Active' },
        { database: 'dev', partner: 'hasOwnProperty', status: 'Active' },
      ],
    }
    const report = buildReport(desiredFrom(yaml), new Map([[clusterKey({ accountId: ACCOUNT, region: REGION, cluster: 'prod' }), observation]]), {
      source: 'test',
      policy: { today: '2026-11-24' },
    })
    const shown = report.findings.map((f) => [f.kind, f.database, f.partner, f.suppressed?.by])
    const expected = [
      ['missing', name, 'Fivetran', undefined],
      ['unhealthy', name, name, undefined],
      ['forbidden', name, 'suppressed', 'exception'],
    ]
    if (name !== 'hasOwnProperty') expected.unshift(['extra', 'dev', 'hasOwnProperty', undefined])
    const byPlace = (list: unknown[][]): string[] => list.map((f) => JSON.stringify(f)).sort()
    assert.equal(byPlace(shown), byPlace(expected), name)
    for (const f of report.findings) assert.is(f.fingerprint, fingerprintOf(f), name)
    assert.is(new Set(report.findings.map((f) => f.fingerprint)).size, report.findings.length, name)
    // Nothing leaked into every object.
    assert.is(({} as Record<string, unknown>).suppressed, undefined, name)
    assert.is(Object.getPrototypeOf({}), Object.prototype, name)
  }
})

names('through the real CLI with a snapshot', async () => {
  const dir = await tempDir('gate-proto')
  await writeJson(join(dir, 'snap.json'), {
    version: 1,
    capturedAt: OBSERVED_AT,
    clusters: [
      {
        accountId: ACCOUNT,
        region: REGION,
        cluster: 'prod',
        PartnerIntegrationInfoList: PROTO_NAMES.flatMap((name) => [
          { DatabaseName: name, PartnerName: name, Status: 'Active' },
          { DatabaseName: name, PartnerName: 'suppressed', Status: 'Active' },
        ]),
      },
    ],
  })
  const databases = PROTO_NAMES.map((name) => `{ database: ${name}, partners: [{ partner: ${name} }], absent: [suppressed] }`).join(', ')
  const exceptions = PROTO_NAMES.slice(0, 2).map((name) => `  - { database: ${name}, partner: suppressed, kind: forbidden, reason: migrating }`)
  await writeFile(join(dir, 'm.yaml'), yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: ${REGION} }`, 'clusters:', `  - { cluster: prod, databases: [${databases}] }`, 'exceptions:', ...exceptions))
  const run = await runCli(['check', 'm.yaml', '--source', 'snapshot:snap.json', '--format', 'json'], { cwd: dir, env: { CI: '1' } })
  assert.is(run.code, 2, run.stderr)
  const findings = (JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings
  assert.equal(
    findings.map((f) => [f.kind, f.database, f.partner, f.suppressed?.by]),
    [
      ['forbidden', '__proto__', 'suppressed', 'exception'],
      ['forbidden', 'constructor', 'suppressed', 'exception'],
      ['forbidden', 'hasOwnProperty', 'suppressed', undefined],
      ['forbidden', 'toString', 'suppressed', undefined],
    ],
  )
})

names.run()

// ---------------------------------------------------------------------------------------------
const globs = suite('gate :: exception globs match in linear time')

const GLOBS: Array<[pattern: string, value: string, matches: boolean]> = [
  // The issue's case: a backtracking regular expression ran past 120 s on it.
  ['*a*a*a*a*a*a*a*a*c', 'a'.repeat(60), false],
  ['*a*a*a*a*a*a*a*a*c', `${'a'.repeat(60)}c`, true],
  ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000), false],
  ['*', '', true],
  ['analytics-*', 'analytics-prod', true],
  ['analytics-*', 'Analytics-prod', false],
  ['*-prod', 'analytics-prod', true],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false],
  ['a**b', 'ab', true],
  ['', '', true],
  ['', 'a', false],
  ['a.c', 'abc', false],
  ['(x|y)+', '(x|y)+', true],
  ['[ab]', 'a', false],
  ['*x*', 'a\nxb', true],
  // One `?` is one character, also outside the Basic Multilingual Plane.
  ['?', '😀', true],
  ['??', '😀', false],
  ['d?b', 'd😀b', true],
  ['😀*', '😀x', true],
]

for (const [pattern, value, matches] of GLOBS) {
  globs(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…(${value.length})` : value)}`, () => {
    assert.is(glob(pattern, value), matches)
  })
}

globs('an exception with the hostile glob against a 60-character name is judged, and unused', () => {
  const database = `d${'a'.repeat(59)}`
  const yaml = yamlLines(
    'version: 1',
    `defaults: { accountId: "${ACCOUNT}", region: ${REGION} }`,
    'clusters:',
    `  - { cluster: prod, databases: [{ database: ${database}, partners: [{ partner: Fivetran }] }] }`,
    'exceptions:',
    '  - { database: "*a*a*a*a*a*a*a*a*c", reason: hostile }',
  )
  const report = buildReport(desiredFrom(yaml), new Map([[clusterKey({ accountId: ACCOUNT, region: REGION, cluster: 'prod' }), { kind: 'observed', observedAt: OBSERVED_AT, integrations: [] }]]), {
    source: 'test',
    policy: { today: '2026-11-24' },
  })
  assert.equal(report.findings.map((f) => [f.kind, f.suppressed?.by]).sort(), [['missing', undefined], ['unused-exception', undefined]])
})

globs.run()
