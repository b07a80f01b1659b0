/**
 * Fuzz :: a prototype-named key (`__proto__`, `constructor`, `toString`, `hasOwnProperty`,
 * `valueOf`) as a database or partner name is an ordinary name. Differential: each generated
 * case that uses such a name is checked twice, as generated and with that name replaced by a
 * fresh one of the same shape (same length, `_` kept, letters swapped), everywhere it occurs.
 * Both runs must agree on everything but the name: exit code, summary, the kinds, severities
 * and suppressions of the findings, and, per format, the rendered lines once the name is
 * mapped back and fingerprints (hashes of the name) are masked. No built-in prototype may
 * gain a key.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'

import { tempDir } from '../helpers/source-packages.js'
import { assertOutputsClean, checkInProcess, describeInputs, fuzzParameters, type InProcessRun, runsFor } from './helpers/harness.js'
import { type CaseModel, caseArbitrary, manifestText, PROTOTYPE_NAMES, snapshotText } from './helpers/model.js'

const test = suite<{ dir: string }>('fuzz :: prototype names')

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-differential')
})

/** Every string of the model equal to `from` becomes `to`; nothing else changes. */
function rename<T>(value: T, from: string, to: string): T {
  if (typeof value === 'string') return (value === from ? to : value) as T
  if (Array.isArray(value)) return value.map((v) => rename(v, from, to)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = rename(v, from, to)
    return out as T
  }
  return value
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings)
  return []
}

/** The letters of a name (what survives any format's escaping of `_`), and a fresh name of the same shape. */
const core = (name: string): string => name.replace(/^_+|_+$/g, '')
const twinName = (name: string, seed: number): string => {
  let n = seed
  return name.replace(/[a-zA-Z]/g, (c) => {
    n = (n * 1103515245 + 12345) & 0x7fffffff
    const letter = String.fromCharCode(97 + (n % 26))
    // Never `q`-free: a twin starts with `q`, which no prototype name and no fixed report text does.
    return c === c.toUpperCase() ? letter.toUpperCase() : letter
  }).replace(/[a-zA-Z]/, (c) => (c === c.toUpperCase() ? 'Q' : 'q'))
}

const withPrototypeName = fc
  .tuple(caseArbitrary({ hostile: false }), fc.nat())
  .map(([model, seed]) => {
    const used = new Set(strings(model))
    const name = PROTOTYPE_NAMES.find((p) => used.has(p))
    return { model, seed, name }
  })
  .filter((c): c is { model: CaseModel; seed: number; name: (typeof PROTOTYPE_NAMES)[number] } => c.name !== undefined)
  // The outputs are compared by replacing the name's text: another name that contains it
  // (`_constructor` beside `constructor`) would be replaced too and differ for no reason.
  .filter((c) => strings(c.model).every((s) => s === c.name || !s.toLowerCase().includes(core(c.name).toLowerCase())))

async function check(dir: string, tag: string, model: CaseModel): Promise<{ run: InProcessRun; context: string }> {
  const manifest = join(dir, `${tag}.yaml`)
  const snapshot = join(dir, `${tag}.json`)
  const files = { [`${tag}.yaml`]: manifestText(model), [`${tag}.json`]: snapshotText(model) }
  await Promise.all([writeFile(manifest, files[`${tag}.yaml`]!), writeFile(snapshot, files[`${tag}.json`]!)])
  const context = describeInputs(files)
  return { run: await checkInProcess({ manifest, source: `snapshot:${snapshot}`, concurrency: 4, cwd: dir, ...(model.failOn ? { policy: { failOn: model.failOn } } : {}) }, { context }), context }
}

const verdicts = (run: InProcessRun): string[] =>
  (run.result.report?.findings ?? []).map((f) => `${f.kind}/${f.severity}/${f.suppressed?.by ?? 'active'}`).sort()

/** A rendering as a sorted list of lines: sort order may differ with the name, content may not. */
function normalized(format: string, text: string, tag: string, from?: string, to?: string): string[] {
  let t = text.replaceAll(`${tag}.yaml`, 'MANIFEST').replaceAll(`${tag}.json`, 'SNAPSHOT')
  // Terraform resource names are the lowercased identity, so the name appears lowercased there too.
  if (from !== undefined && to !== undefined) t = t.replaceAll(core(from), core(to)).replaceAll(core(from).toLowerCase(), core(to).toLowerCase())
  return t
    .replace(/\b[0-9a-f]{32}\b/g, 'FINGERPRINT')
    .replace(/"elapsedMs": ?\d+/g, '"elapsedMs":0')
    .replace(/"generatedAt": ?"[^"]*"/g, '"generatedAt":"T"')
    .replace(/time="[^"]*"/g, 'time=""')
    .replace(/\d+(\.\d+)? ?ms\b/g, 'Nms')
    .split('\n')
    // A diff's hunk positions and context lines follow the sort order of names, which the twin
    // name may change; its + and - lines are what it says.
    .filter((line) => format !== 'diff' || !(line.startsWith(' ') || line.startsWith('@@')))
    .sort()
}

test('fuzz :: prototype names :: a prototype-named database or partner changes nothing but its own name', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(withPrototypeName, async ({ model, seed, name }) => {
      const fresh = twinName(name, seed)
      const twin = rename(model, name, fresh)
      const real = await check(dir, 'case', model)
      const control = await check(dir, 'twin', twin)
      const context = `${name} -> ${fresh}\n${real.context}`
      if (real.run.pollution.length > 0) throw new Error(`prototype polluted: ${real.run.pollution.join(', ')}\n${context}`)
      if (real.run.renderFailures.length > 0 && control.run.renderFailures.length === 0) throw new Error(`a renderer threw only for ${name}: ${real.run.renderFailures.join('\n')}\n${context}`)
      if (real.run.exitCode !== control.run.exitCode) throw new Error(`exit ${real.run.exitCode} with ${name}, ${control.run.exitCode} with ${fresh}\n${context}`)
      const [a, b] = [verdicts(real.run), verdicts(control.run)]
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`findings differ:\n  ${name}: ${a.join(' ')}\n  ${fresh}: ${b.join(' ')}\n${context}`)
      const [sa, sb] = [real.run.result.report?.summary, control.run.result.report?.summary]
      if (JSON.stringify(sa) !== JSON.stringify(sb)) throw new Error(`summaries differ:\n  ${JSON.stringify(sa)}\n  ${JSON.stringify(sb)}\n${context}`)
      for (const rendered of real.run.rendered) {
        const other = control.run.rendered.find((r) => r.format === rendered.format)
        if (!other) throw new Error(`${rendered.format} rendered only with ${name}\n${context}`)
        const [x, y] = [normalized(rendered.format, rendered.text, 'case', name, fresh), normalized(rendered.format, other.text, 'twin')]
        if (JSON.stringify(x) !== JSON.stringify(y)) {
          const onlyX = x.filter((l) => !y.includes(l)).slice(0, 6)
          const onlyY = y.filter((l) => !x.includes(l)).slice(0, 6)
          throw new Error(`${rendered.format} differs beyond the name:\n  with ${name}: ${onlyX.join('\n    ')}\n  with ${fresh}: ${onlyY.join('\n    ')}\n${context}`)
        }
      }
    }),
    fuzzParameters(runsFor(1)),
  )
})

test('fuzz :: prototype names :: every format renders and stays clean with prototype names', async ({ dir }) => {
  await fc.assert(
    fc.asyncProperty(withPrototypeName, async ({ model }) => {
      const { run, context } = await check(dir, 'case', model)
      assertOutputsClean(run, context)
    }),
    // The snapshot target checks the same on every case; this one only makes sure prototype names are among them.
    fuzzParameters(runsFor(0.3, 5)),
  )
})

test.run()
