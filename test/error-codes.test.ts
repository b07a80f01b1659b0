/**
 * The catalogue of codes is the one table of errors: every code the code base gives is in it,
 * every entry is given somewhere, and docs/errors.md says exactly what the catalogue says.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { test } from 'uvu'
import * as assert from 'uvu/assert'

import { ERROR_CODES } from '../src/model/error-codes.js'
import { FIXTURES, ROOT, runCli } from './helpers/cli.js'
import { errorCodesMarkdown, errorDocsOnDisk } from './helpers/error-docs.js'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

const CATALOGUE = join(ROOT, 'src/model/error-codes.ts')
const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'plugins'))].filter((f) => f !== CATALOGUE)
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]))

test('every code written in src/ and plugins/ is in the catalogue', () => {
  const given = new Map<string, string>()
  const patterns = [/\bcode: '([^']+)'/g, /new SourceError\(\s*'([^']+)'/g, /\bproblem\(\s*(?:\[[^\]]*\]|\w+),\s*'([a-z][a-z0-9-]*)'/g, /\brefused\(\s*\w+,\s*'([a-z][a-z0-9-]*)'/g]
  for (const [file, source] of text) {
    for (const pattern of patterns) for (const [, code] of source.matchAll(pattern)) given.set(code!, file)
  }
  assert.ok(given.size > 30, `the scan found ${given.size} codes; the patterns no longer match how codes are written`)
  const unknown = [...given].filter(([code]) => !Object.hasOwn(ERROR_CODES, code)).map(([code, file]) => `${code} (${file})`)
  assert.equal(unknown, [], 'codes given but not in src/model/error-codes.ts')
})

test('every catalogue entry is given somewhere (no stale documentation)', () => {
  const all = [...text.values()].join('\n')
  // The YAML parser's codes are made from its own names (src/input/document.ts); the compiler checks those.
  const unused = Object.keys(ERROR_CODES).filter((code) => !code.startsWith('yaml-') || ['yaml-complex-key', 'yaml-alias-limit'].includes(code)).filter((code) => !all.includes(`'${code}'`))
  assert.equal(unused, [])
})

test('docs/errors.md is the catalogue (npm run docs:errors writes it)', () => {
  assert.fixture(errorDocsOnDisk(), errorCodesMarkdown())
  for (const code of Object.keys(ERROR_CODES)) assert.ok(errorDocsOnDisk().includes(`\`${code}\``), code)
})

/** `FILE:LINE:COLUMN: ... [code]` lines of stderr, as [line, column, code]. */
function codesOf(stderr: string): Array<[number, number, string]> {
  return [...stderr.matchAll(/^[^\n]*?:(\d+):(\d+): [^\n]*\[([\w-]+)\]$/gm)].map((m) => [Number(m[1]), Number(m[2]), m[3]!])
}

test('the CLI shows the code of every located problem, at its position', async () => {
  const run = await runCli(['validate', `${FIXTURES}five-mistakes.yaml`])
  assert.is(run.code, 1)
  assert.equal(codesOf(run.stderr), [
    [6, 3, 'schema'],
    [9, 16, 'schema'],
    [15, 21, 'unknown-status'],
    [16, 22, 'duplicate-partner'],
    [17, 22, 'expected-and-absent'],
  ])
})

test('the CLI shows the code of a usage error, and an error finding carries its code and source', async () => {
  const unknown = await runCli(['check', `${FIXTURES}in-sync.yaml`, '--source', 'nosuch'])
  assert.is(unknown.code, 1)
  assert.match(unknown.stderr, /^Code: unknown-source$/m)

  const failOn = await runCli(['check', `${FIXTURES}in-sync.yaml`, '--source', `snapshot:${FIXTURES}snapshot.json`, '--fail-on', ' , '])
  assert.is(failOn.code, 1)
  assert.match(failOn.stderr, /Code: invalid-flag$/m)

  const dir = await mkdtemp(join(tmpdir(), 'codes-'))
  const manifest = join(dir, 'm.yaml')
  await writeFile(manifest, 'version: 1\nclusters:\n  - { cluster: never-recorded, accountId: "123456789012", region: eu-west-1, databases: [] }\n')
  const notRecorded = await runCli(['check', manifest, '--source', `snapshot:${FIXTURES}snapshot.json`, '--format', 'json'])
  await rm(dir, { recursive: true })
  assert.is(notRecorded.code, 1)
  const [finding] = (JSON.parse(notRecorded.stdout) as { findings: Array<{ kind: string; cause?: object }> }).findings
  assert.is(finding?.kind, 'error')
  assert.equal(finding?.cause && { ...finding.cause, hint: undefined }, { code: 'NotInSnapshot', source: 'snapshot', hint: undefined })
})


test.run()
