/**
 * Large inputs take fast paths (JSON.parse for JSON, positions on demand, reports streamed per
 * cluster), and none of that may change a byte of what the user sees. A generated estate of 10,000
 * integrations with every kind of drift, and broken variants of it, run through the real CLI in
 * every format; the digests below were taken from the straightforward implementation (every input
 * parsed as a YAML document, every report built as one string) before the fast paths existed, and
 * taken again when the output itself changed (codes in diagnostics, new report fields; last: the
 * report's tool, SARIF's SRCROOT, annotation limits, expiring exceptions, and the Markdown report's
 * clusters in sync shortened to GitHub's limit) from this tree with every input read as a YAML
 * document and the text, JSON and JUnit reports each built as one string.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse as parseYaml } from 'yaml'

import { runCli } from './helpers/cli.js'
import { generateEstate } from './helpers/large-estate.js'

const estate = generateEstate({ clusters: 1000, unobserved: true })

/** The `nth` (1-based) occurrence of `find` in `text` replaced; the test fails if there is none. */
function replaceNth(text: string, find: string, nth: number, replacement: string): string {
  let at = -1
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(find, at + 1)
    if (at < 0) throw new Error(`occurrence ${nth} of ${JSON.stringify(find)} not found`)
  }
  return text.slice(0, at) + replacement + text.slice(at + find.length)
}

/** The elapsed time of the observation and the report's time are the only figures that change from run to run. */
function withoutElapsed(text: string): string {
  return text
    .replace(/ in \d+ ms/g, ' in N ms')
    .replace(/"generatedAt": "[^"]*"/g, '"generatedAt": "T"')
    .replace(/"elapsedMs": \d+/g, '"elapsedMs": N')
    .replace(/(<testsuites [^>]*time=")[\d.]+"/, '$1N"')
}

interface Case {
  name: string
  /** Files written into the run's directory; `m.yaml` and `s.json` are the estate unless replaced. */
  files?: Record<string, string>
  args: string[]
  /** Report files the run writes, digested with its stdout and stderr. */
  outputs?: string[]
  digest: string
}

const ALL_FILES = ['r.json', 'r.diff', 'r.sarif', 'r.xml', 'r.md', 'r.github']
const outputFlags = ['--output', 'json=r.json', '--output', 'diff=r.diff', '--output', 'sarif=r.sarif', '--output', 'junit=r.xml', '--output', 'markdown=r.md', '--output', 'github=r.github']

const CASES: Case[] = [
  {
    name: 'every format, text with --explain on stdout',
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--explain', ...outputFlags],
    outputs: ALL_FILES,
    digest: '0a56e107402389672c9b577536e50d47ddc36a03002026fb0873efdf3a722511',
  },
  {
    name: 'json on stdout, text to a file',
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'json', '--output', 'text=r.txt'],
    outputs: ['r.txt'],
    digest: 'c06e9cf106965fd7be28669bb42d2c55b699c8ead3572e5edf7dade54285df51',
  },
  { name: 'diff on stdout', args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'diff'], digest: '5231c0a893a9d4c013f40332a58ecac628157f09d96e2cdfc198ae711e88a78c' },
  { name: 'validate', args: ['validate', 'm.yaml'], digest: 'cd3b573cd18567bf222f637511482999c05301f8396560938d8e5e10bd70b7c6' },
  {
    name: 'JSON manifest, sarif and github on stdout',
    files: { 'm.json': JSON.stringify(parseYaml(estate.manifest), null, 2) + '\n' },
    args: ['check', 'm.json', '--source', 'snapshot:s.json', '--output', 'sarif=-', '--output', 'junit=r.xml'],
    outputs: ['r.xml'],
    digest: 'd7611a55b18dd82b7c5bde8cb5c725b59cde96cf7649eaf71172fd6856b43c16',
  },
  {
    name: 'JSON manifest with a duplicate key',
    files: { 'm.json': replaceNth(JSON.stringify(parseYaml(estate.manifest), null, 2), '"region": "us-east-1"', 40, '"region": "us-east-1", "region": "eu-west-1"') },
    args: ['validate', 'm.json'],
    digest: 'df5ded635bffb1d68620ce1bb7c1c0ba1b5e6353d8fd3fe4beaa3e374a49109c',
  },
  {
    name: 'JSON manifest with schema and semantic errors',
    files: {
      'm.json': replaceNth(
        replaceNth(JSON.stringify(parseYaml(estate.manifest), null, 2), '"accountId": "333333333333"', 40, '"accountId": 333333333333'),
        '"partner": "Hevo"',
        700,
        '"partner": "Hevo", "stauts": "Active", "status": "active"',
      ),
    },
    args: ['validate', 'm.json'],
    digest: '71b0fa08dbe6cd105c6792e018e2bbc8213f45f125f2f5222c6a211415b8e7a9',
  },
  {
    name: 'snapshot with a duplicate key',
    files: { 's.json': replaceNth(replaceNth(estate.snapshot, '"Status": "Active",', 5000, '"Status": "Active", "Status": "Inactive",'), '"region": "eu-west-1"', 3, '"region": "eu-west-1", "region": "eu-west-1"') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    digest: 'd90d21bcb050fe2f2b3632be30c83500e8e2f8bf00036089f4f9c712b11dde41',
  },
  {
    name: 'snapshot with schema errors and a duplicate cluster',
    files: {
      's.json': replaceNth(
        replaceNth(replaceNth(estate.snapshot, '"region": "us-east-1"', 300, '"region": 5'), '"PartnerName": "Hevo"', 1500, '"PartnerName": "Hevo", "Statuss": "x"'),
        '"cluster": "analytics-000908"',
        1,
        '"cluster": "analytics-000900"',
      ),
    },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'json'],
    digest: '266a157ec0e393cb5774f7841144f4840090f6cc622c7560a7ebb5e6bf31abcf',
  },
  {
    name: 'snapshot with a duplicate cluster only',
    files: { 's.json': replaceNth(estate.snapshot, '"cluster": "analytics-000908"', 1, '"cluster": "analytics-000900"') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    digest: '69c79cc6bba7418cd69f124498a87e8895318687b59b60f591d9f17386e0542f',
  },
  {
    name: 'snapshot cut short (a syntax error)',
    files: { 's.json': estate.snapshot.slice(0, Math.floor(estate.snapshot.length * 0.6)) },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    digest: '83d4beedc7fe6eb194edabfcc9e943488b2f94a3917389f95a404e690f5637a0',
  },
  {
    name: 'manifest with semantic and schema errors',
    files: {
      'm.yaml': replaceNth(
        replaceNth(replaceNth(estate.manifest, 'status: [Active, Inactive]', 400, 'status: [Actve, Inactive]'), '- cluster: analytics-000708', 1, '- cluster: analytics-000700'),
        'accountId: "222222222222"',
        10,
        'accountId: 022222222222',
      ),
    },
    args: ['validate', 'm.yaml'],
    digest: 'a032a7701d501f8f6ae4774ed0f21a057f636122be3c26b5696bff582ace190b',
  },
  {
    name: 'manifest with a duplicate key',
    files: { 'm.yaml': replaceNth(estate.manifest, '    region: us-east-1\n', 20, '    region: us-east-1\n    region: us-east-1\n') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    digest: 'b6c5b05ad76c6c2cdf5d9933fd17ed1742528276b4788cca3696da1141e060cf',
  },
  {
    name: 'manifest with a tab (a syntax error)',
    files: { 'm.yaml': replaceNth(estate.manifest, '          - partner: Stitch', 500, '\t  - partner: Stitch') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    digest: '333c21ce6cd6204ed6d447675d6e7d04b18c93c9042687d503a120df54ffafca',
  },
]

const test = suite<{ dir: string }>('large estate', { dir: '' })

test.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'partner-drift-large-'))
})
test.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true })
})

for (const c of CASES) {
  test(`large estate :: ${c.name}: every byte as before`, async (ctx) => {
    const dir = await mkdtemp(join(ctx.dir, 'case-'))
    const files = { 'm.yaml': estate.manifest, 's.json': estate.snapshot, ...c.files }
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
    const run = await runCli(c.args, { cwd: dir, timeoutMs: 120_000 })
    const hash = createHash('sha256').update(`exit ${run.code}\n`).update(withoutElapsed(run.stdout)).update('\u0000').update(withoutElapsed(run.stderr))
    for (const output of c.outputs ?? []) hash.update('\u0000').update(withoutElapsed(await readFile(join(dir, output), 'utf8')))
    const digest = hash.digest('hex')
    assert.ok(run.stdout.length + run.stderr.length > 0, 'the run printed something')
    assert.is(digest, c.digest, `${c.name}: exit ${run.code}; stderr starts ${JSON.stringify(run.stderr.slice(0, 300))}`)
  })
}

test.run()
