/**
 * Issue 8, reading untrusted input files: one table row per reproduction, each built from the
 * exact reproduction in the issue. Command-level rows run the real CLI in a temporary directory
 * and assert the exit code, the located diagnostic (FILE:LINE:COLUMN) and what must never be
 * printed; in-process rows assert diagnostic codes, lines and columns.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pLimit from 'p-limit'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { Diagnostic } from '../src/input/diagnostics.js'
import { parseDocumentText, readDocument } from '../src/input/document.js'
import { readInputText } from '../src/input/read-input.js'
import { loadExceptionsFile, resolveManifest } from '../src/manifest/load-manifest.js'
import { loadBaseline } from '../src/policy/baseline.js'
import { awsTestEnv, type CliRun, located, ROOT, runCli, yamlLines } from './helpers/cli.js'
import { type Integration, type RedshiftTestServer, withRedshiftServer } from './helpers/redshift-server.js'

const ACCOUNT = '123456789012'
const NOW = new Date().toISOString()
/** What a leaked environment would show; the child process gets it in its environment. */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYpartnerdriftFAKE'
const SECRET_ENV = { AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: `token-${SECRET}` }
/** A raw ESC: never to reach a terminal from an input file. */
const ESC = '\u001b'

/** A file to create before a run: text, or something that is not a regular text file. */
type Fixture = string | Uint8Array | { fifo: true } | { symlink: string } | { directory: true }

async function materialise(dir: string, files: Record<string, Fixture>): Promise<void> {
  for (const [name, fixture] of Object.entries(files)) {
    const path = join(dir, name)
    if (typeof fixture === 'string' || fixture instanceof Uint8Array) await writeFile(path, fixture)
    else if ('fifo' in fixture) execFileSync('mkfifo', [path])
    else if ('symlink' in fixture) await symlink(fixture.symlink, path)
    else await mkdir(path)
  }
}

const MANIFEST = yamlLines(
  'version: 1',
  `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`,
  'clusters:',
  '  - cluster: prod',
  '    databases:',
  '      - database: dev',
  '        partners:',
  '          - partner: Fivetran',
)

const snapshotWith = (status: string): string =>
  JSON.stringify({
    version: 1,
    capturedAt: NOW,
    clusters: [
      { accountId: ACCOUNT, region: 'eu-west-1', cluster: 'prod', PartnerIntegrationInfoList: [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: status, UpdatedAt: NOW }] },
    ],
  })

const stateWith = (status: string): string =>
  JSON.stringify({
    version: 4,
    resources: [
      {
        mode: 'managed',
        type: 'aws_redshift_partner',
        name: 'fivetran',
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ attributes: { account_id: ACCOUNT, cluster_identifier: 'prod', database_name: 'dev', partner_name: 'Fivetran', region: 'eu-west-1', status } }],
      },
    ],
  })

interface CliRow {
  name: string
  files: Record<string, Fixture>
  /** Run in the temporary directory holding `files`. */
  args: string[]
  env?: NodeJS.ProcessEnv
  input?: string
  code: number
  /** Each must match stderr. */
  stderr?: RegExp[]
  /** Each must match stdout. */
  stdout?: RegExp[]
  /** Must appear in neither stdout nor stderr. */
  absent?: string[]
}

/** Processes run a few at a time: each is mostly waiting for Node to start. */
const limit = pLimit(3)

function runRows(name: string, rows: CliRow[]): void {
  const table = suite(name)
  // Every row's process is started up front; each test then waits for its own.
  const runs = new Map<CliRow, Promise<CliRun>>()
  table.before(() => {
    for (const row of rows) {
      runs.set(
        row,
        limit(async () => {
          const dir = await mkdtemp(join(tmpdir(), 'partner-drift-gate-'))
          try {
            await materialise(dir, row.files)
            return await runCli(row.args, { cwd: dir, env: row.env, input: row.input, timeoutMs: 30_000 })
          } finally {
            await rm(dir, { recursive: true, force: true })
          }
        }),
      )
    }
  })
  for (const row of rows) {
    table(row.name, async () => {
      const run = await runs.get(row)!
      const shown = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
      assert.is(run.code, row.code, shown)
      for (const pattern of row.stderr ?? []) assert.match(run.stderr, pattern, shown)
      for (const pattern of row.stdout ?? []) assert.match(run.stdout, pattern, shown)
      for (const text of row.absent ?? []) assert.not.ok(run.stdout.includes(text) || run.stderr.includes(text), `${JSON.stringify(text)} was printed:\n${shown}`)
      assert.not.match(run.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace')
    })
  }
  table.run()
}

// ---------------------------------------------------------------- special files: one bounded reader

runRows('gate-inputs :: special files are refused, never read', [
  {
    name: 'a FIFO as manifest (validate): refused at once, no hang',
    files: { 'm.yaml': { fifo: true } },
    args: ['validate', 'm.yaml'],
    code: 1,
    stderr: [/^m\.yaml:1:1: m\.yaml is a named pipe \(FIFO\), not a regular file/m, /hint: .*pipes, devices, sockets and directories are not read/],
  },
  {
    name: 'a symlink to /dev/zero as manifest: refused as a device, nothing read',
    files: { 'm.yaml': { symlink: '/dev/zero' } },
    args: ['validate', 'm.yaml'],
    code: 1,
    stderr: [/^m\.yaml:1:1: m\.yaml is a character device, not a regular file/m],
  },
  {
    name: 'tfstate:- refuses binary on stdin without quoting it',
    files: { 'm.yaml': MANIFEST },
    args: ['check', 'm.yaml', '--source', 'tfstate:-'],
    input: `{"version": 4, "secret": "${SECRET}\u0000"}`,
    code: 1,
    stderr: [/<stdin>:1:1: <stdin> contains a NUL byte/],
    absent: [SECRET],
  },
])

// ---------------------------------------------------------------- secrets: /proc/self/environ and long values

const LONG = 'x'.repeat(10_000)

runRows('gate-inputs :: no secret and no raw control character is printed', [
  {
    name: 'a manifest that is a symlink to /proc/self/environ',
    files: { 'm.yaml': { symlink: '/proc/self/environ' }, 's.json': snapshotWith('Active') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    env: SECRET_ENV,
    code: 1,
    stderr: [/^m\.yaml:1:1: m\.yaml contains a NUL byte: it is binary, not a text file; nothing of it is shown/m],
    absent: [SECRET, 'AWS_SECRET_ACCESS_KEY', 'PATH='],
  },
  {
    name: 'a snapshot that is a symlink to /proc/self/environ',
    files: { 'm.yaml': MANIFEST, 's.json': { symlink: '/proc/self/environ' } },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'json'],
    env: SECRET_ENV,
    code: 1,
    stderr: [/s\.json:1:1: s\.json contains a NUL byte/],
    absent: [SECRET, 'AWS_SECRET_ACCESS_KEY'],
  },
  {
    name: 'an exceptions file that is a symlink to /proc/self/environ',
    files: { 'm.yaml': MANIFEST, 's.json': snapshotWith('Active'), 'x.yaml': { symlink: '/proc/self/environ' } },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--exceptions', 'x.yaml'],
    env: SECRET_ENV,
    code: 1,
    stderr: [/x\.yaml:1:1: x\.yaml contains a NUL byte/],
    absent: [SECRET, 'AWS_SECRET_ACCESS_KEY'],
  },
  {
    name: 'a 10,000-character cluster name is quoted as an 80-character excerpt',
    files: { 'm.yaml': yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`, 'clusters:', `  - cluster: ${LONG}`) },
    args: ['validate', 'm.yaml'],
    code: 1,
    stderr: [new RegExp(`^m\\.yaml:4:14: clusters\\[0\\]\\.cluster: "x{80}…" \\(10000 characters\\)`, 'm')],
    absent: ['x'.repeat(81)],
  },
])

// ---------------------------------------------------------------- exception expiry: real calendar dates

const EXCEPTION = (expires: string): string[] => ['exceptions:', '  - partner: Fivetran', '    reason: JIRA-123', `    expires: ${expires}`]

runRows('gate-inputs :: an exception expires on a real calendar date', [
  {
    name: 'manifest exception expires 2026-13-45: located error at the value',
    files: { 'm.yaml': MANIFEST + yamlLines(...EXCEPTION('2026-13-45')) },
    args: ['validate', 'm.yaml'],
    code: 1,
    stderr: [/^m\.yaml:12:14: exceptions\[0\]\.expires: expires "2026-13-45" is not a date in the calendar/m, /hint: .*YYYY-MM-DD/],
  },
  {
    name: '--exceptions FILE with expires 2026-02-30',
    files: { 'm.yaml': MANIFEST, 's.json': snapshotWith('Inactive'), 'x.yaml': yamlLines('version: 1', ...EXCEPTION('"2026-02-30"')) },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--exceptions', 'x.yaml'],
    code: 1,
    stderr: [/^x\.yaml:5:14: exceptions\[0\]\.expires: expires "2026-02-30" is not a date/m],
  },
])

// ---------------------------------------------------------------- a manifest must select a cluster

runRows('gate-inputs :: a manifest that selects no cluster is invalid', [
  {
    name: 'clusters: [] (validate)',
    files: { 'm.yaml': yamlLines('version: 1', 'clusters: []') },
    args: ['validate', 'm.yaml'],
    code: 1,
    stderr: [/^m\.yaml:2:11: clusters: must have at least 1 item/m, /hint: a manifest must declare at least one cluster/],
  },
  {
    name: 'clusters: [] (check): the same diagnostic, nothing checked',
    files: { 'm.yaml': yamlLines('version: 1', 'clusters: []'), 's.json': snapshotWith('Active') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    code: 1,
    stderr: [/^m\.yaml:2:11: clusters: must have at least 1 item/m],
  },
])

// ---------------------------------------------------------------- observed statuses are open strings

const expecting = (status: string): string => MANIFEST + yamlLines(`            status: ${status}`)

runRows('gate-inputs :: an undocumented observed status is recorded, replayed and judged', [
  {
    name: 'a snapshot with Status Pending replays; Pending is unhealthy when the manifest expects Active',
    files: { 'm.yaml': MANIFEST, 's.json': snapshotWith('Pending') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'json'],
    code: 2,
    stdout: [/"kind": "unhealthy"/, /"status": "Pending"/],
  },
  {
    name: 'a manifest that allows Pending passes against the same snapshot',
    files: { 'm.yaml': expecting('Pending'), 's.json': snapshotWith('Pending') },
    args: ['check', 'm.yaml', '--source', 'snapshot:s.json'],
    code: 0,
  },
  {
    name: 'a Terraform state with status Pending is unhealthy when the manifest expects Active',
    files: { 'm.yaml': MANIFEST, 'terraform.tfstate': stateWith('Pending') },
    args: ['check', 'm.yaml', '--source', 'tfstate:terraform.tfstate', '--format', 'json'],
    code: 2,
    stdout: [/"kind": "unhealthy"/, /"status": "Pending"/],
  },
])

const stdin = suite('gate-inputs :: a pipe that never closes')

stdin('tfstate:- with a writer that never closes stdin ends at --timeout, exit 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-gate-'))
  try {
    await writeFile(join(dir, 'm.yaml'), MANIFEST)
    // runCli always closes stdin; this child's stays open, like `sleep 100 | partner-drift ...`.
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'check', 'm.yaml', '--source', 'tfstate:-', '--timeout', '2'], { cwd: dir, stdio: 'pipe', env: { ...process.env, CI: '1' } })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stdin.write('{"version": 4,')
    const started = Date.now()
    const killer = setTimeout(() => child.kill(), 30_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(killer)
    assert.is(code, 1, output)
    assert.ok(Date.now() - started < 20_000, 'ended by the deadline, not by the test')
    // The run's deadline names the cluster; the reader, stopped by the same signal, names stdin.
    assert.match(output, /DeadlineExceeded|<stdin>:1:1: standard input was still open when the deadline passed/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

stdin.run()

// ---------------------------------------------------------------- in process: codes, lines, columns

interface LocatedRow {
  name: string
  diagnostics: () => Promise<Diagnostic[]> | Diagnostic[]
  expected: ReturnType<typeof located>
  message?: RegExp
  hint?: RegExp
}

const manifestDiagnostics = (yaml: string) => (): Diagnostic[] => resolveManifest(parseDocumentText(yaml, 'm.yaml')).diagnostics

let scratch = ''
const inScratch = async (name: string, content: Fixture): Promise<string> => {
  await materialise(scratch, { [name]: content })
  return join(scratch, name)
}
const failure = async (read: Promise<{ ok: true } | { ok: false; diagnostics: Diagnostic[] }>): Promise<Diagnostic[]> => {
  const input = await read
  return input.ok ? [] : input.diagnostics
}
const ENVIRON = { symlink: '/proc/self/environ' }

const LOCATED: LocatedRow[] = [
  {
    name: 'a FIFO as snapshot (any document): refused without waiting for a writer',
    diagnostics: async () => (await readDocument(await inScratch('s.json', { fifo: true }), { displayName: 's.json' })).diagnostics,
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /^s\.json is a named pipe \(FIFO\), not a regular file$/,
  },
  {
    name: 'a FIFO as Terraform state (where - means stdin)',
    diagnostics: async () => failure(readInputText(await inScratch('terraform.tfstate', { fifo: true }), { displayName: 'terraform.tfstate', stdin: true })),
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /named pipe/,
  },
  {
    name: 'a symlink to /dev/zero as exceptions file',
    diagnostics: async () => (await loadExceptionsFile(await inScratch('zero.yaml', { symlink: '/dev/zero' }))).diagnostics,
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /is a character device, not a regular file$/,
  },
  {
    name: 'a directory as manifest',
    diagnostics: async () => (await readDocument(await inScratch('dir.yaml', { directory: true }), { displayName: 'dir.yaml' })).diagnostics,
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /^dir\.yaml is a directory, not a regular file$/,
  },
  {
    name: '- is refused where stdin is not read (manifest, snapshot, exceptions, baseline)',
    diagnostics: async () => (await readDocument('-')).diagnostics,
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /standard input is not read here/,
  },
  {
    name: 'a baseline that is a symlink to /proc/self/environ',
    diagnostics: async () => (await loadBaseline(await inScratch('b.json', ENVIRON))).diagnostics,
    expected: [{ code: 'binary', path: '', line: 1, column: 1 }],
  },
  {
    name: 'a Terraform state that is a symlink to /proc/self/environ',
    diagnostics: async () => failure(readInputText(await inScratch('environ.tfstate', ENVIRON), { stdin: true })),
    expected: [{ code: 'binary', path: '', line: 1, column: 1 }],
  },
  {
    name: 'a 10,000-character key with an escape sequence: an escaped excerpt, in the message and in the key path',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`, 'clusters: [{ cluster: prod }]', `? "\\e[2J${LONG}"`, ': 1')),
    expected: [{ code: 'schema', path: `\\u001b[2J${'x'.repeat(76)}…`, line: 4, column: 3 }],
    message: /^unknown key "\\u001b\[2Jx{76}…" \(10004 characters\)$/,
  },
  {
    name: 'a value that holds the environment is cut to an excerpt',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: "eu-west-1 ${'padding '.repeat(10)}AWS_SECRET_ACCESS_KEY=${SECRET}" }`, 'clusters: [{ cluster: prod }]')),
    expected: [{ code: 'schema', path: 'defaults.region', line: 2, column: 48 }],
    message: /^"eu-west-1 (padding ){8}paddin…" \(\d+ characters\) is not valid/,
  },
  {
    name: 'a .env file behind a symlink is one string: its type is named, none of its text',
    diagnostics: async () => resolveManifest(await readDocument(await inScratch('env.yaml', `AWS_SECRET_ACCESS_KEY=${SECRET}\nREGION=eu-west-1\n`))).diagnostics,
    expected: [{ code: 'schema', path: '', line: 1, column: 1 }],
    message: /^must be a mapping, not a string$/,
  },
  {
    name: 'a YAML syntax error on a long line quotes none of it raw',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', `${'k'.repeat(2000)}${ESC}: 1`)),
    expected: [{ code: 'yaml-key-over-1024-chars', path: '', line: 2, column: 1 }],
  },
  {
    name: 'invalid UTF-8 is refused where it is',
    diagnostics: async () => (await readDocument(await inScratch('latin1.yaml', Buffer.from('version: 1\nclusters:\n  - cluster: caf\xe9\n', 'latin1')), { displayName: 'latin1.yaml' })).diagnostics,
    expected: [{ code: 'encoding', path: '', line: 3, column: 17 }],
    message: /latin1\.yaml is not valid UTF-8/,
  },
  {
    name: 'a NUL byte is refused as binary, quoting nothing',
    diagnostics: async () => (await readDocument(await inScratch('nul.yaml', `version: 1\nsecret: ${SECRET}\u0000\n`), { displayName: 'nul.yaml' })).diagnostics,
    expected: [{ code: 'binary', path: '', line: 1, column: 1 }],
  },
  {
    name: 'the limit holds on the bytes read: /proc/self/status says 0 bytes and holds more than 100',
    diagnostics: async () => {
      const input = await readInputText('/proc/self/status', { maxBytes: 100 })
      return input.ok ? [] : input.diagnostics
    },
    expected: [{ code: 'read', path: '', line: 1, column: 1 }],
    message: /more than 100 bytes/,
  },
  {
    name: 'exception expires 2026-13-45',
    diagnostics: manifestDiagnostics(MANIFEST + yamlLines(...EXCEPTION('2026-13-45'))),
    expected: [{ code: 'invalid-date', path: 'exceptions[0].expires', line: 12, column: 14 }],
  },
  {
    name: 'exception expires 2026-02-30 (quoted)',
    diagnostics: manifestDiagnostics(MANIFEST + yamlLines(...EXCEPTION('"2026-02-30"'))),
    expected: [{ code: 'invalid-date', path: 'exceptions[0].expires', line: 12, column: 14 }],
  },
  {
    name: 'exception expires 2025-02-29 (not a leap year)',
    diagnostics: manifestDiagnostics(MANIFEST + yamlLines(...EXCEPTION('2025-02-29'))),
    expected: [{ code: 'invalid-date', path: 'exceptions[0].expires', line: 12, column: 14 }],
  },
  {
    name: 'exception expires 2028-02-29 (a leap year) is valid',
    diagnostics: manifestDiagnostics(MANIFEST + yamlLines(...EXCEPTION('2028-02-29'))),
    expected: [],
  },
  {
    name: '--exceptions file with expires 2026-02-30',
    diagnostics: async () => (await loadExceptionsFile(await inScratch('x.yaml', yamlLines('version: 1', ...EXCEPTION('2026-02-30'))))).diagnostics,
    expected: [{ code: 'invalid-date', path: 'exceptions[0].expires', line: 5, column: 14 }],
  },
  {
    name: 'no clusters key',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`)),
    expected: [{ code: 'schema', path: '', line: 1, column: 1 }],
    message: /missing required key "clusters"/,
    hint: /a manifest must declare at least one cluster/,
  },
  {
    name: 'clusters: []',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', 'clusters: []')),
    expected: [{ code: 'schema', path: 'clusters', line: 2, column: 11 }],
    hint: /a manifest must declare at least one cluster/,
  },
  {
    name: 'status Actve: a typo of Active',
    diagnostics: manifestDiagnostics(expecting('Actve')),
    expected: [{ code: 'unknown-status', path: 'clusters[0].databases[0].partners[0].status', line: 9, column: 21 }],
    hint: /did you mean "Active"\?/,
  },
  {
    name: 'status active: a typo of Active (case)',
    diagnostics: manifestDiagnostics(expecting('[Inactive, active]')),
    expected: [{ code: 'unknown-status', path: 'clusters[0].databases[0].partners[0].status[1]', line: 9, column: 32 }],
    hint: /did you mean "Active"\?/,
  },
  {
    name: 'status Pending, near no known status, may be written',
    diagnostics: manifestDiagnostics(expecting('[Active, Pending]')),
    expected: [],
  },
  {
    name: 'status ActiveSyncing starts like Active but is no typo of it: it may be written',
    diagnostics: manifestDiagnostics(expecting('ActiveSyncing')),
    expected: [],
  },
  {
    name: 'status ConnectionFailur: a typo of ConnectionFailure',
    diagnostics: manifestDiagnostics(expecting('ConnectionFailur')),
    expected: [{ code: 'unknown-status', path: 'clusters[0].databases[0].partners[0].status', line: 9, column: 21 }],
    hint: /did you mean "ConnectionFailure"\?/,
  },
  {
    name: 'a 10,000-character status value: one excerpt, no did-you-mean',
    diagnostics: manifestDiagnostics(expecting(`"${LONG}"`)),
    expected: [{ code: 'schema', path: 'clusters[0].databases[0].partners[0].status', line: 9, column: 21 }],
    message: /^"x{80}…" \(10000 characters\) is 10000 characters; must be at most 255$/,
  },
  {
    name: 'a mapping written as a key (found by the fuzz suite: yaml printed a Node warning)',
    diagnostics: manifestDiagnostics(yamlLines('version: 1', '? { missing: warn }', ': x', 'clusters: []')),
    expected: [{ code: 'yaml-complex-key', path: '', line: 2, column: 3 }],
    message: /a key must be a plain name/,
  },
]

const inProcess = suite('gate-inputs :: located diagnostics')
inProcess.before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'partner-drift-gate-'))
})
inProcess.after(async () => {
  await rm(scratch, { recursive: true, force: true })
})
for (const row of LOCATED) {
  inProcess(row.name, async () => {
    const diagnostics = await row.diagnostics()
    assert.equal(located(diagnostics), row.expected)
    if (row.message) assert.match(diagnostics[0].message, row.message)
    if (row.hint) assert.match(diagnostics[0].hint ?? '', row.hint)
    for (const d of diagnostics) {
      const shown = `${d.message} ${d.hint ?? ''} ${d.path}`
      assert.not.ok(shown.includes(SECRET), 'no secret quoted')
      assert.not.ok(shown.includes(ESC), 'no raw escape character')
      assert.ok(shown.length < 600, `a short diagnostic, not ${shown.length} characters`)
    }
  })
}
inProcess.run()

// ---------------------------------------------------------------- live: snapshot, bootstrap, replay

const live = suite<{ server: RedshiftTestServer; dir: string }>('gate-inputs :: snapshot against the API')
const FAST = ['--source-option', 'retryDelayScale=0.01']
const integration = (PartnerName: string, Status: string): Integration => ({ DatabaseName: 'dev', PartnerName, Status, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: NOW })

withRedshiftServer(live, 'gate-live')

live('status Pending from the API: recorded, replayed, bootstrapped into a manifest that validates and passes', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'prod', region: 'eu-west-1', integrations: [integration('Fivetran', 'Pending'), integration('Stitch', 'Active')] })
  const snapshot = join(dir, 'pending.json')
  const manifest = join(dir, 'pending.yaml')
  const recorded = await runCli(
    ['snapshot', '--account-id', ACCOUNT, '--region', 'eu-west-1', '--cluster', 'prod', '--out', snapshot, '--manifest-out', manifest, '--endpoint-url', server.url, ...FAST],
    { env: awsTestEnv() },
  )
  assert.is(recorded.code, 0, recorded.stderr)
  const validate = await runCli(['validate', manifest])
  assert.is(validate.code, 0, validate.stderr)
  const replay = await runCli(['check', manifest, '--source', `snapshot:${snapshot}`])
  assert.is(replay.code, 0, replay.stdout + replay.stderr)
  assert.not.match(replay.stderr, /is not allowed/)
})

live('snapshot --cluster ghost --manifest-out: the missing cluster is named, no manifest, exit 1', async ({ server, dir }) => {
  const manifest = join(dir, 'ghost.yaml')
  const run = await runCli(
    ['snapshot', '--account-id', ACCOUNT, '--region', 'eu-west-1', '--cluster', 'ghost', '--out', join(dir, 'ghost.json'), '--manifest-out', manifest, '--endpoint-url', server.url, ...FAST],
    { env: awsTestEnv() },
  )
  assert.is(run.code, 1, run.stderr)
  assert.match(run.stderr, /not found: cluster ghost \(account 123456789012, eu-west-1\)/)
  assert.match(run.stderr, /no manifest written to .*ghost\.yaml: no cluster was observed/)
  assert.match(run.stderr, /1 cluster not found/)
})

live('snapshot --cluster prod --cluster ghost --manifest-out: prod is declared, ghost is named, exit 1', async ({ server, dir }) => {
  server.setCluster({ accountId: ACCOUNT, cluster: 'prod', region: 'eu-west-1', integrations: [integration('Fivetran', 'Active')] })
  const manifest = join(dir, 'half.yaml')
  const run = await runCli(
    ['snapshot', '--account-id', ACCOUNT, '--region', 'eu-west-1', '--cluster', 'prod', '--cluster', 'ghost', '--out', join(dir, 'half.json'), '--manifest-out', manifest, '--endpoint-url', server.url, ...FAST],
    { env: awsTestEnv() },
  )
  assert.is(run.code, 1, run.stderr)
  assert.match(run.stderr, /not found: cluster ghost/)
  assert.not.match(run.stderr, /not found: cluster prod/)
  assert.not.match(run.stderr, /does not validate/, 'the written manifest is checked as validate would')
  const declared = resolveManifest(parseDocumentText(await readFile(manifest, 'utf8'), manifest)).desired
  assert.equal(declared?.clusters.map((c) => c.cluster), ['prod'])
})

live.run()
