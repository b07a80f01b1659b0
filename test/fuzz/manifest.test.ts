/**
 * Fuzz :: manifests that are not valid, in-process. Two families:
 *  - mutations known to make a manifest invalid (a name outside its pattern with a control
 *    character in it, no cluster, a duplicate, an unknown status or key, an impossible
 *    exception date, a NUL byte...): the check must stop with located diagnostics, no report,
 *    exit 1, and diagnostics that quote nothing raw;
 *  - blind edits of the text (truncation, inserted hostile characters, swapped lines), which
 *    may or may not leave it valid: whatever the result, nothing throws, every diagnostic is
 *    located, and nothing raw reaches the diagnostics or any report format.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'
import { stringify } from 'yaml'

import { tempDir } from '../helpers/source-packages.js'
import { assertExitCode, assertLocated, assertOutputsClean, checkInProcess, describeInputs, fuzzParameters, runsFor } from './helpers/harness.js'
import { loadManifest } from '../../src/manifest/load-manifest.js'
import { type CaseModel, caseArbitrary, hostileText, manifestText, manifestValue } from './helpers/model.js'

const test = suite<{ dir: string; snapshot: string }>('fuzz :: invalid manifests')

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-manifest')
  ctx.snapshot = join(ctx.dir, 'snapshot.json')
  await writeFile(ctx.snapshot, JSON.stringify({ version: 1, capturedAt: '2026-11-24T12:00:00Z', clusters: [] }))
})

type Raw = Record<string, any>

/** A character that no name pattern allows, so the name is invalid whatever surrounds it. */
const breaker = fc.constantFrom('\n', '\r', '\t', '\u0000', '\u001b', '\u001b[2J', '\u007f', '\u0085', '\u009b', '\u202e', '\u2066', ' ', '/', '\u0007')

interface Mutation {
  name: string
  apply(m: Raw): string | Raw
}

/**
 * Each mutation returns the manifest (object, written as YAML) or its text; every one makes it
 * invalid. Grouped by family, one property each, so that one defect does not hide another.
 */
const FAMILIES: Record<string, fc.Arbitrary<Mutation>> = {
  'a name outside its pattern, with a control character': fc.tuple(hostileText(3), breaker, fc.nat(), fc.constantFrom('cluster', 'database', 'partner')).map(([text, bad, at, level]) => ({
    name: `${level} name with ${JSON.stringify(bad)}`,
    apply(m: Raw) {
      const name = text.slice(0, at % (text.length + 1)) + bad + text.slice(at % (text.length + 1))
      const c = m.clusters[0]
      if (level === 'cluster') c.cluster = name
      else if (level === 'database') c.databases.unshift({ database: name, partners: [] })
      else c.databases.unshift({ database: 'fuzzdb', partners: [{ partner: name }] })
      return m
    },
  })),
  'no cluster': fc.constant<Mutation>({ name: 'no cluster', apply: (m) => ({ ...m, clusters: [] }) }),
  'duplicates and contradictions': fc.oneof(fc.constant<Mutation>({ name: 'duplicate cluster', apply: (m) => ({ ...m, clusters: [...m.clusters, structuredClone(m.clusters[0])] }) }),
  fc.constant<Mutation>({
    name: 'duplicate database',
    apply: (m) => {
      m.clusters[0].databases.push({ database: 'dupdb', partners: [] }, { database: 'dupdb', partners: [] })
      return m
    },
  }),
  fc.constant<Mutation>({
    name: 'partner expected and absent',
    apply: (m) => {
      m.clusters[0].databases.push({ database: 'both', absent: ['Hevo'], partners: [{ partner: 'Hevo' }] })
      return m
    },
  })),
  'a value of the wrong kind': fc.oneof(fc.tuple(fc.constantFrom('Actve', 'active', 'ACTIVE', '', 'Active '), fc.constantFrom('defaults', 'cluster')).map(([status, where]) => ({
    name: `status ${JSON.stringify(status)} on ${where}`,
    apply(m: Raw) {
      if (where === 'defaults') m.defaults.status = status
      else m.clusters[0].status = [status]
      return m
    },
  })),
  fc.tuple(fc.constantFrom('clustr', 'databse', '__proto__', 'constructor', 'x\u001by'), fc.constantFrom('root', 'cluster', 'defaults')).map(([key, where]) => ({
    name: `unknown key ${JSON.stringify(key)} on ${where}`,
    apply(m: Raw) {
      const target = where === 'root' ? m : where === 'cluster' ? m.clusters[0] : m.defaults
      // defineProperty: `__proto__` must become a key of the document, not this object's prototype.
      Object.defineProperty(target, key, { value: 'x', enumerable: true, configurable: true, writable: true })
      return m
    },
  })),
  fc.constantFrom<unknown>(2, '1', 0, null).map((version) => ({ name: `version ${JSON.stringify(version)}`, apply: (m: Raw) => ({ ...m, version }) })),
  fc.constantFrom<unknown>(123456789012, '12345', '12345678901x', '').map((accountId) => ({
    name: `accountId ${JSON.stringify(accountId)}`,
    apply: (m: Raw) => ({ ...m, defaults: { ...m.defaults, accountId } }),
  })),
  fc.constantFrom('7 days', '1y', '-1d', 'd', '').map((age) => ({ name: `maxStatusAge ${JSON.stringify(age)}`, apply: (m: Raw) => ({ ...m, defaults: { ...m.defaults, maxStatusAge: age } }) }))),
  'an exception date that is no calendar date': fc.constantFrom('2026-13-45', '2026-02-30', '2025-02-29', '2026-00-10', '2026-04-31').map((expires) => ({
    name: `exception expires ${expires}`,
    apply: (m: Raw) => ({ ...m, exceptions: [{ cluster: '*', reason: 'ticket OPS-1', expires }] }),
  })),
  'a NUL byte (binary input)': fc.tuple(fc.nat(), fc.constantFrom('comment', 'value')).map(([at, where]) => ({
    // Binary input must be refused as such, without quoting it.
    name: `raw NUL byte in a ${where}`,
    apply(m: Raw) {
      const text = stringify(m)
      if (where === 'comment') return `# owner: data-platform \u0000 team\n${text}`
      const lines = text.split('\n')
      const i = at % lines.length
      lines.splice(i, 0, `# \u0000`)
      return lines.join('\n')
    },
  })),
}
const anyMutation = fc.oneof(...Object.values(FAMILIES))

async function checkText(dir: string, snapshot: string, text: string) {
  const manifest = join(dir, 'partner-drift.yaml')
  await writeFile(manifest, text)
  const context = describeInputs({ 'partner-drift.yaml': text })
  const run = await checkInProcess({ manifest, source: `snapshot:${snapshot}`, concurrency: 4, cwd: dir }, { context })
  return { run, context }
}

const valid = caseArbitrary({ hostile: false })

// The other targets' verdicts rest on this: a manifest the model calls valid is valid, so a
// failure elsewhere is partner-drift's, not the generator's.
test('fuzz :: invalid manifests :: (generator check) every generated manifest loads without a diagnostic', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(caseArbitrary(), fc.constantFrom<'yaml' | 'json'>('yaml', 'json'), async (model, style) => {
      const file = join(dir, `valid.${style}`)
      const text = manifestText(model, style)
      await writeFile(file, text)
      const { desired, diagnostics } = await loadManifest(file)
      if (!desired || diagnostics.length > 0) throw new Error(`generated manifest refused:\n${diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n')}\n${describeInputs({ [file]: text })}`)
      if (desired.clusters.length !== model.clusters.length) throw new Error(`${desired.clusters.length} clusters loaded, ${model.clusters.length} generated`)
    }),
    fuzzParameters(runsFor(0.2, 10)),
  )
})

async function checkMutated(dir: string, snapshot: string, model: CaseModel, m: Mutation) {
  const mutated = m.apply(structuredClone(manifestValue(model)))
  const text = typeof mutated === 'string' ? mutated : stringify(mutated)
  const { run, context } = await checkText(dir, snapshot, text)
  return { run, text, where: `mutation: ${m.name}\n${context}` }
}

for (const [family, mutation] of Object.entries(FAMILIES)) {
  test(`fuzz :: invalid manifests :: ${family}: located diagnostics, no report, exit 1`, async ({ dir, snapshot }) => {
    await fc.assert(
      fc.asyncProperty(valid, mutation, async (model, m) => {
        const { run, text, where } = await checkMutated(dir, snapshot, model, m)
        if (run.result.report) throw new Error(`an invalid manifest produced a report (outcome ${run.result.report.outcome})\n${where}`)
        assertLocated(run.result.diagnostics, where)
        assertExitCode(run.exitCode, new Set([1]), where)
        const lines = text.split('\n').length
        for (const d of run.result.diagnostics) if (d.line > lines + 1) throw new Error(`diagnostic points past the end of the file (line ${d.line} of ${lines})\n${where}`)
      }),
      fuzzParameters(runsFor(0.2, 5)),
    )
  })
}

test('fuzz :: invalid manifests :: diagnostics of an invalid manifest quote nothing raw', async ({ dir, snapshot }) => {
  await fc.assert(
    fc.asyncProperty(valid, anyMutation, async (model, m) => {
      const { run, where } = await checkMutated(dir, snapshot, model, m)
      assertOutputsClean(run, where)
    }),
    fuzzParameters(runsFor(1)),
  )
})

/** A blind edit of the text: it may or may not leave the manifest valid. */
const edit = fc.oneof(
  fc.nat().map((at) => ({ name: 'truncate', apply: (t: string) => t.slice(0, at % (t.length + 1)) })),
  fc.tuple(fc.nat(), hostileText(2)).map(([at, piece]) => ({ name: `insert ${JSON.stringify(piece)}`, apply: (t: string) => t.slice(0, at % (t.length + 1)) + piece + t.slice(at % (t.length + 1)) })),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([at, piece]) => ({
    name: `replace with ${JSON.stringify(piece)}`,
    apply: (t: string) => t.slice(0, at % (t.length + 1)) + piece + t.slice((at % (t.length + 1)) + piece.length),
  })),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({
    name: 'swap lines',
    apply: (t: string) => {
      const lines = t.split('\n')
      const [i, j] = [a % lines.length, b % lines.length]
      ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
      return lines.join('\n')
    },
  })),
  fc.constant({ name: 'alias bomb', apply: (t: string) => `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n${t}` }),
)

test('fuzz :: invalid manifests :: blind edits: never a throw, every diagnostic located, nothing raw in diagnostics or reports', async ({ dir, snapshot }) => {
  await fc.assert(
    fc.asyncProperty(valid, fc.constantFrom<'yaml' | 'json'>('yaml', 'json'), fc.array(edit, { minLength: 1, maxLength: 3 }), async (model, style, edits) => {
      const value = manifestValue(model)
      let text = style === 'json' ? JSON.stringify(value, null, 2) : stringify(value)
      for (const e of edits) text = e.apply(text)
      const { run, context } = await checkText(dir, snapshot, text)
      const where = `edits: ${edits.map((e) => e.name).join(', ')}\n${context}`
      if (!run.result.report) {
        assertLocated(run.result.diagnostics, where)
        assertExitCode(run.exitCode, new Set([1]), where)
      }
      assertOutputsClean(run, where)
    }),
    fuzzParameters(runsFor(1)),
  )
})

test.run()
