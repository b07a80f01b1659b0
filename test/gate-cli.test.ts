import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { writeOutputFiles } from '../src/cli/report-outputs.js'
import { awsTestEnv, runCli } from './helpers/cli.js'
import { type RedshiftTestServer, withRedshiftServer } from './helpers/redshift-server.js'

/**
 * The command line cannot open the gate: a blank --fail-on, an overflowing --timeout and every
 * unusable --output are usage errors (exit 1) caught before any cluster is observed, and reports
 * are written whole or not at all, one failure stopping nothing else.
 */
const gate = suite<{ dir: string }>('gate :: command line and outputs')
const EXAMPLE = ['check', 'examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json']

gate.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'partner-drift-gate-cli-'))
})
gate.after(async (ctx) => {
  await rm(ctx.dir, { recursive: true, force: true })
})

const usageErrors: Array<{ name: string; args: (dir: string) => string[]; says: RegExp[] }> = [
  { name: '--fail-on "" (an unset CI variable)', args: () => ['--fail-on', ''], says: [/--fail-on/, /empty/, /missing, ?extra, ?unmanaged, ?forbidden, ?unhealthy, ?stale/] },
  { name: '--fail-on " , "', args: () => ['--fail-on', ' , '], says: [/--fail-on/, /empty/, /forbidden/] },
  { name: '--timeout 2147484 overflows a timer', args: () => ['--timeout', '2147484'], says: [/--timeout/, /86400/] },
  { name: 'the same path twice', args: (d) => ['-o', `json=${d}/same.json`, '-o', `sarif=${d}/./same.json`], says: [/same file/] },
  { name: 'a directory', args: (d) => ['-o', `json=${d}`], says: [/is a directory/] },
  { name: 'the manifest', args: () => ['-o', 'markdown=examples/partner-drift.yaml'], says: [/manifest examples\/partner-drift.yaml/] },
  { name: 'the snapshot', args: () => ['-o', 'json=./examples/snapshot.json'], says: [/snapshot input/] },
  { name: 'the exceptions file', args: (d) => ['--exceptions', `${d}/exceptions.yaml`, '-o', `junit=${d}/exceptions.yaml`], says: [/exceptions file/] },
  { name: 'the baseline', args: (d) => ['--baseline', `${d}/baseline.json`, '-o', `json=${d}/baseline.json`], says: [/baseline/] },
  { name: 'json=- with --format json (two documents on stdout)', args: () => ['--format', 'json', '-o', 'json=-'], says: [/stdout carries one document/] },
  { name: 'two outputs on stdout', args: () => ['-o', 'json=-', '-o', 'sarif=-'], says: [/stdout carries one document/] },
  { name: 'a file name too long for the file system', args: (d) => ['-o', `json=${d}/${'x'.repeat(300)}.json`], says: [/ENAMETOOLONG/] },
]

for (const row of usageErrors) {
  gate(`usage error :: ${row.name} exits 1 before observing anything`, async ({ dir }) => {
    await writeFile(join(dir, 'exceptions.yaml'), 'exceptions:\n  - reason: accepted\n    cluster: reporting\n')
    await writeFile(join(dir, 'baseline.json'), '{"version": 1, "findings": []}\n')
    const before = await readFile(join(dir, 'baseline.json'), 'utf8')
    const run = await runCli([...EXAMPLE, ...row.args(dir)])
    assert.is(run.code, 1, run.stderr)
    assert.is(run.stdout, '', 'no report at all: the run stopped before the first cluster')
    for (const pattern of row.says) assert.match(run.stderr.replace(/\s*\n ›\s+/g, ' '), pattern)
    assert.not.match(run.stderr, /\n\s+at /, 'no stack trace')
    assert.is(await readFile(join(dir, 'baseline.json'), 'utf8'), before, 'inputs are untouched')
    assert.is(await readFile('examples/snapshot.json', 'utf8').then((t) => t.startsWith('{')), true)
  })
}

const SNAPSHOT = ['snapshot', 'examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json']
const snapshotUsageErrors: Array<{ name: string; args: (dir: string) => string[]; says: RegExp }> = [
  { name: '--out over the snapshot it replays', args: () => ['--out', 'examples/snapshot.json'], says: /--out examples\/snapshot.json: this is the snapshot input/ },
  { name: '--manifest-out over the manifest', args: (d) => ['--out', `${d}/s.json`, '--manifest-out', 'examples/partner-drift.yaml'], says: /this is the manifest/ },
  { name: '--out and --manifest-out the same file', args: (d) => ['--out', `${d}/s.json`, '--manifest-out', `${d}/s.json`], says: /the same file as --out/ },
  { name: 'both on stdout', args: () => ['--out', '-', '--manifest-out', '-'], says: /stdout carries one document/ },
]
for (const row of snapshotUsageErrors) {
  gate(`usage error :: snapshot ${row.name} exits 1 before observing anything`, async ({ dir }) => {
    const before = await readFile('examples/snapshot.json', 'utf8')
    const run = await runCli([...SNAPSHOT, ...row.args(dir)])
    assert.is(run.code, 1, run.stderr)
    assert.match(run.stderr.replace(/\s*\n ›\s+/g, ' '), row.says)
    assert.not.match(run.stderr, /recorded/, 'nothing was observed or written')
    assert.is(await readFile('examples/snapshot.json', 'utf8'), before)
  })
}

gate('project package.json :: a FIFO does not hang source discovery, and invalid JSON is not quoted', async ({ dir }) => {
  const project = join(dir, 'project')
  await mkdir(project)
  await Promise.all(['partner-drift.yaml', 'snapshot.json'].map(async (f) => writeFile(join(project, f), await readFile(`examples/${f}`))))
  execFileSync('mkfifo', [join(project, 'package.json')])
  const fifo = await runCli(['check', 'partner-drift.yaml', '--source', 'snapshot:snapshot.json'], { cwd: project, timeoutMs: 20_000 })
  assert.is(fifo.code, 2, fifo.stderr)
  await rm(join(project, 'package.json'))
  await writeFile(join(project, 'package.json'), '{"dependencies": AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI}\n')
  const invalid = await runCli(['check', 'partner-drift.yaml', '--source', 'nosuch'], { cwd: project })
  assert.is(invalid.code, 1)
  assert.match(invalid.stderr, /package.json: not valid JSON/)
  assert.not.match(invalid.stderr, /AWS_SECRET|wJalr/)
})

gate('outputs :: a missing directory is created up front, every report is written, no temporary file is left', async ({ dir }) => {
  const run = await runCli([...EXAMPLE, '-o', `json=${dir}/new/deeper/report.json`, '-o', `sarif=${dir}/new/report.sarif`])
  assert.is(run.code, 2, run.stderr)
  assert.is(JSON.parse(await readFile(join(dir, 'new/deeper/report.json'), 'utf8')).outcome, 'drift')
  assert.is(JSON.parse(await readFile(join(dir, 'new/report.sarif'), 'utf8')).version, '2.1.0')
  assert.equal((await readdir(join(dir, 'new'))).sort(), ['deeper', 'report.sarif'])
  assert.equal(await readdir(join(dir, 'new/deeper')), ['report.json'])
})

gate('outputs :: FORMAT=- puts that format on stdout in place of the text report', async () => {
  const run = await runCli([...EXAMPLE, '-o', 'json=-'])
  assert.is(run.code, 2, run.stderr)
  assert.is(JSON.parse(run.stdout).outcome, 'drift', 'stdout is one JSON document')
})

gate('outputs :: a write that fails keeps the earlier file and leaves no temporary file; the other targets are written', async ({ dir }) => {
  const out = join(dir, 'atomic')
  await mkdir(out)
  await writeFile(join(out, 'good.json'), 'the good earlier report\n')
  const failures = await writeOutputFiles(
    [
      { format: 'json', written: 'gone/r.json', path: join(out, 'gone', 'r.json') },
      { format: 'sarif', written: 'good.json', path: join(out, 'good.json') },
    ],
    (format) => `${format} report\n`,
  )
  assert.is(failures.length, 1)
  assert.match(failures[0], /json report to gone\/r.json: ENOENT/)
  assert.is(await readFile(join(out, 'good.json'), 'utf8'), 'sarif report\n', 'the second target is written despite the first failing')
  assert.equal(await readdir(out), ['good.json'], 'no temporary file is left behind')
})

/** A directory that disappears while the clusters are being observed: the failing write is named, nothing else is lost. */
const live = suite<{ server: RedshiftTestServer; dir: string }>('gate :: an output failing mid-run')
withRedshiftServer(live, 'gate-live', { latencyMs: 400 })

live('outputs :: one failing output stops neither the others nor the stdout report; exit 1 names it', async ({ server, dir }) => {
  server.setCluster({ accountId: '123456789012', cluster: 'analytics-prod', integrations: [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active', UpdatedAt: new Date().toISOString() }] })
  const manifest = join(dir, 'm.yaml')
  await writeFile(manifest, 'version: 1\ndefaults: { accountId: "123456789012", region: eu-west-1 }\nclusters:\n  - cluster: analytics-prod\n    databases:\n      - database: dev\n        partners: [{ partner: Fivetran }]\n')
  await mkdir(join(dir, 'doomed'))
  const running = runCli(['check', manifest, '--endpoint-url', server.url, '-o', `json=${dir}/doomed/r.json`, '-o', `sarif=${dir}/kept.sarif`], { env: awsTestEnv() })
  // The request arrives only after every output target was checked; the directory goes away then.
  for (let i = 0; i < 400 && server.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 25))
  assert.ok(server.calls.length > 0, 'the CLI called the server')
  await rm(join(dir, 'doomed'), { recursive: true })
  const run = await running
  assert.is(run.code, 1, run.stderr)
  assert.match(run.stderr, /could not write the json report to .*doomed\/r.json: ENOENT/)
  assert.match(run.stdout, /Outcome: in sync/, 'the stdout report is complete')
  assert.is(JSON.parse(await readFile(join(dir, 'kept.sarif'), 'utf8')).version, '2.1.0')
})

gate.run()
live.run()
