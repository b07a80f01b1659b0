/**
 * Review mode end to end (`check --base`): the real CLI process in a temporary git repository
 * whose commits hold the manifest before and after a change, against a snapshot, and against the
 * Redshift test server to count calls. Outputs are read back with real parsers.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ajv } from 'ajv'
import ajvFormats from 'ajv-formats'
import { XMLValidator } from 'fast-xml-parser'
import { parse as parseJunit } from 'junit2json'
import { suite, test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'

import type { Report } from '../src/model/report.js'
import { awsTestEnv, type CliRun, FIXTURES, ROOT, reportSchemaErrors, runCli } from './helpers/cli.js'
import { type RedshiftTestServer, withRedshiftServer } from './helpers/redshift-server.js'

const ACCOUNT = '123456789012'
const MANIFEST = 'infra/partner-drift.yaml'

/** The manifest on main: Etleap is expected and absent in reality (drift before any change). */
const BASE = `version: 1
defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
      - database: sales
        partners:
          - partner: Stitch
          - partner: Etleap
  - cluster: reporting
    databases:
      - database: bi
        partners:
          - partner: Matillion
`
/** Adds Hightouch on reporting/bi, which reality does not have (line 18). */
const ADDS = BASE + '          - partner: Hightouch\n'
/** Removes the Etleap expectation (line 12 of the base). */
const REMOVES = BASE.replace('          - partner: Etleap\n', '')
/** The base with a typo in a status: unknown-status at line 12, column 21. */
const BROKEN = BASE.replace('          - partner: Etleap\n', '          - partner: Etleap\n            status: Actve\n')

const SNAPSHOT = JSON.stringify({
  version: 1,
  capturedAt: '2026-11-24T10:00:00Z',
  clusters: [
    {
      accountId: ACCOUNT,
      region: 'eu-west-1',
      cluster: 'analytics-prod',
      PartnerIntegrationInfoList: [
        { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'RuntimeFailure', StatusMessage: 'Sync failed' },
        { DatabaseName: 'sales', PartnerName: 'Stitch', Status: 'Active' },
      ],
    },
    { accountId: ACCOUNT, region: 'eu-west-1', cluster: 'reporting', PartnerIntegrationInfoList: [{ DatabaseName: 'bi', PartnerName: 'Matillion', Status: 'Active' }] },
  ],
})

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } })
}

/** A repository with `main` holding BASE and one branch per change; the working tree is left on `branch`. */
async function repository(dir: string): Promise<void> {
  await mkdir(join(dir, 'infra'), { recursive: true })
  git(dir, 'init', '-q', '-b', 'main')
  await writeFile(join(dir, MANIFEST), BASE)
  await writeFile(join(dir, 'snapshot.json'), SNAPSHOT)
  git(dir, 'add', MANIFEST)
  git(dir, 'commit', '-q', '-m', 'base')
  for (const [branch, text] of [['adds', ADDS], ['removes', REMOVES], ['broken', BROKEN]] as const) {
    git(dir, 'checkout', '-q', '-b', branch, 'main')
    await writeFile(join(dir, MANIFEST), text)
    git(dir, 'commit', '-q', '-am', branch)
  }
}

const review = suite<{ dir: string }>('review')

review.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'partner-drift-review-'))
  await repository(ctx.dir)
})
review.after(async (ctx) => rm(ctx.dir, { recursive: true, force: true }))

async function checkout(dir: string, branch: string): Promise<void> {
  git(dir, 'checkout', '-q', branch)
}

function reportOf(run: CliRun): Report {
  try {
    return JSON.parse(run.stdout) as Report
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`)
  }
}

const brief = (report: Report) => report.findings.map((f) => [f.kind, f.partner, f.reviewState, f.failing])

review('review :: a change that adds an expectation reality does not meet fails with exactly that one introduced finding; earlier drift is unchanged', async ({ dir }) => {
  await checkout(dir, 'adds')
  const run = await runCli(['check', MANIFEST, '--base', `main:${MANIFEST}`, '--source', 'snapshot:snapshot.json', '--format', 'json'], { cwd: dir })
  assert.is(run.code, 2, run.stderr)
  const report = reportOf(run)
  assert.equal(reportSchemaErrors(report), [])
  assert.equal(brief(report), [
    ['unhealthy', 'Fivetran', 'unchanged', false],
    ['missing', 'Etleap', 'unchanged', false],
    ['missing', 'Hightouch', 'introduced', true],
  ])
  assert.equal(report.findings.map((f) => f.suppressed?.by), ['base', 'base', undefined])
  assert.is(report.summary.failing, 1)
  assert.is(report.summary.known, 2)
  const r = report.review!
  assert.equal(r.counts, { added: 1, removed: 0, changed: 0, introduced: 1, unchanged: 2, escalated: 0, resolved: 0, newFailing: 1 })
  assert.equal(r.changes.map((c) => [c.change, c.subject, c.cluster, c.database, c.partner, `${c.location.file}:${c.location.line}:${c.location.column}`]), [
    ['added', 'integration', 'reporting', 'bi', 'Hightouch', `${MANIFEST}:18:13`],
  ])
  assert.equal(r.resolved, [])
  assert.ok(r.baseExists)
})

review('review :: a change that removes an expectation shows it resolved, located in the base, and passes', async ({ dir }) => {
  await checkout(dir, 'removes')
  const run = await runCli(['check', MANIFEST, '--base', `main:${MANIFEST}`, '--source', 'snapshot:snapshot.json', '--format', 'json'], { cwd: dir })
  assert.is(run.code, 0, run.stderr)
  const report = reportOf(run)
  assert.equal(reportSchemaErrors(report), [])
  assert.equal(brief(report), [['unhealthy', 'Fivetran', 'unchanged', false]])
  const r = report.review!
  assert.equal(r.resolved.map((f) => [f.kind, f.partner, `${f.location?.file}:${f.location?.line}`]), [['missing', 'Etleap', `main:${MANIFEST}:12`]])
  assert.equal(r.changes.map((c) => [c.change, c.partner, `${c.location.file}:${c.location.line}:${c.location.column}`]), [['removed', 'Etleap', `main:${MANIFEST}:12:13`]])
  assert.equal(r.counts.resolved, 1)
  assert.equal(r.counts.removed, 1)
})

review('review :: --base REV:PATH works from a subdirectory, as a path from the root and as ./PATH', async ({ dir }) => {
  await checkout(dir, 'adds')
  for (const base of [`main:${MANIFEST}`, 'main:./partner-drift.yaml']) {
    const run = await runCli(['check', 'partner-drift.yaml', '--base', base, '--source', 'snapshot:../snapshot.json', '--format', 'json'], { cwd: join(dir, 'infra') })
    assert.is(run.code, 2, `${base}: ${run.stderr}`)
    const report = reportOf(run)
    assert.equal(brief(report).filter((f) => f[2] === 'introduced'), [['missing', 'Hightouch', 'introduced', true]], base)
    assert.is(report.review!.base, base)
  }
  // From another directory than the manifest's: ./ is the current directory's, as in git.
  const run = await runCli(['check', MANIFEST, '--base', `main:./${MANIFEST}`, '--source', 'snapshot:snapshot.json', '--format', 'json'], { cwd: dir })
  assert.is(reportOf(run).review!.counts.introduced, 1)
})

review('review :: a base that does not exist at the revision is an empty base: everything is introduced', async ({ dir }) => {
  await checkout(dir, 'adds')
  const run = await runCli(['check', MANIFEST, '--base', 'main:infra/new.yaml', '--source', 'snapshot:snapshot.json', '--format', 'json'], { cwd: dir })
  assert.is(run.code, 2, run.stderr)
  const report = reportOf(run)
  assert.is(report.review!.baseExists, false)
  assert.ok(report.findings.every((f) => f.reviewState === 'introduced' && !f.suppressed))
  assert.is(report.summary.failing, 3)
  assert.equal(report.review!.counts.added, 5)
  assert.equal(report.review!.counts.removed, 0)
  const text = await runCli(['check', MANIFEST, '--base', 'main:infra/new.yaml', '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.match(text.stdout, /New manifest \(main:infra\/new\.yaml does not exist\): This change adds 5 expectations; 3 new failing findings/)
})

review('review :: a broken base manifest gives located diagnostics naming REV:PATH; a broken head its file; both at once', async ({ dir }) => {
  await checkout(dir, 'adds')
  const run = await runCli(['check', MANIFEST, '--base', `broken:${MANIFEST}`, '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(run.code, 1)
  assert.is(run.stdout, '')
  assert.match(run.stderr, /^broken:infra\/partner-drift\.yaml:13:21: clusters\[0\]\.databases\[1\]\.partners\[1\]\.status: .*\[unknown-status\]$/m)

  await writeFile(join(dir, 'head-broken.yaml'), BROKEN)
  const both = await runCli(['check', 'head-broken.yaml', '--base', `broken:${MANIFEST}`, '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(both.code, 1)
  assert.match(both.stderr, /^head-broken\.yaml:13:21: .*\[unknown-status\]$/m)
  assert.match(both.stderr, /^broken:infra\/partner-drift\.yaml:13:21: .*\[unknown-status\]$/m)
  await rm(join(dir, 'head-broken.yaml'))
})

review('review :: the diagnostics of both files come in one order whatever the locale of the machine', async ({ dir }) => {
  await checkout(dir, 'adds')
  // Sorted by localeCompare, a Swedish machine put z before ä and an American one ä before z.
  await writeFile(join(dir, 'z.yaml'), BROKEN)
  await writeFile(join(dir, 'ä.yaml'), BROKEN)
  const runs = []
  for (const locale of ['en_US.UTF-8', 'sv_SE.UTF-8']) {
    runs.push(await runCli(['check', 'z.yaml', '--base', 'ä.yaml', '--source', 'snapshot:snapshot.json'], { cwd: dir, env: { LC_ALL: locale, LANG: locale } }))
  }
  await rm(join(dir, 'z.yaml'))
  await rm(join(dir, 'ä.yaml'))
  for (const run of runs) assert.is(run.code, 1)
  const files = runs[0]!.stderr.split('\n').filter((line) => /\[unknown-status\]$/.test(line)).map((line) => line.split(':')[0])
  assert.equal(files, ['z.yaml', 'ä.yaml'], 'by UTF-16 code unit, as every other list of names')
  assert.is(runs[1]!.stderr, runs[0]!.stderr)
})

review('review :: an unknown revision is an error, never an empty base; a revision like an option is refused', async ({ dir }) => {
  await checkout(dir, 'adds')
  const unknown = await runCli(['check', MANIFEST, '--base', `no-such-branch:${MANIFEST}`, '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(unknown.code, 1)
  assert.match(unknown.stderr, /^no-such-branch:infra\/partner-drift\.yaml:1:1: .*\[base-revision\]$/m)
  const option = await runCli(['check', MANIFEST, '--base=--output=x:y', '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(option.code, 1)
  assert.match(option.stderr, /\[base-revision\]/)
  // Outside any repository, a REV:PATH cannot be read.
  const outside = await mkdtemp(join(tmpdir(), 'partner-drift-norepo-'))
  await writeFile(join(outside, 'm.yaml'), ADDS)
  await writeFile(join(outside, 'snapshot.json'), SNAPSHOT)
  const norepo = await runCli(['check', 'm.yaml', '--base', 'main:m.yaml', '--source', 'snapshot:snapshot.json'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: tmpdir() } })
  await rm(outside, { recursive: true, force: true })
  assert.is(norepo.code, 1)
  assert.match(norepo.stderr, /\[base-git\]/)
})

review('review :: an existing file wins over REV:PATH, and a file base is read like the manifest', async ({ dir }) => {
  await checkout(dir, 'adds')
  await writeFile(join(dir, 'main:base.yaml'), REMOVES)
  const run = await runCli(['check', MANIFEST, '--base', 'main:base.yaml', '--source', 'snapshot:snapshot.json', '--format', 'json'], { cwd: dir })
  await rm(join(dir, 'main:base.yaml'))
  const report = reportOf(run)
  // Against the base without Etleap, the head's Etleap expectation is an addition, and its finding new.
  assert.equal(report.review!.changes.map((c) => [c.change, c.partner]), [['added', 'Etleap'], ['added', 'Hightouch']])
  assert.equal(brief(report).filter((f) => f[2] === 'introduced').map((f) => f[1]), ['Etleap', 'Hightouch'])
})

review('review :: Markdown leads with the change; SARIF is valid 2.1.0 with baselineState; JUnit and text say the same', async ({ dir }) => {
  await checkout(dir, 'adds')
  const out = (name: string): string => join(dir, name)
  const run = await runCli(
    ['check', MANIFEST, '--base', `main:${MANIFEST}`, '--source', 'snapshot:snapshot.json', '--output', `markdown=${out('r.md')}`, '--output', `sarif=${out('r.sarif')}`, '--output', `junit=${out('r.xml')}`],
    { cwd: dir },
  )
  assert.is(run.code, 2, run.stderr)
  assert.match(run.stdout, /^Review against main:infra\/partner-drift\.yaml: This change adds 1 expectation; 1 new failing finding \(missing Hightouch on reporting\/bi: not integrated; expected status Active\); 2 unchanged\.$/m)
  assert.match(run.stdout, /Hightouch missing \(new\)/)

  const markdown = await readFile(out('r.md'), 'utf8')
  const lines = markdown.split('\n')
  assert.is(lines[0], '### ❌ partner-drift: drift')
  assert.is(lines[2], '**This change adds 1 expectation; 1 new failing finding (missing Hightouch on reporting/bi: not integrated; expected status Active); 2 unchanged.**')
  assert.match(markdown, /\| \+ \| added \| integration \| expects Hightouch on reporting\/bi \(status Active\) \| `infra\/partner-drift\.yaml:18:13` \|/)

  const sarif = JSON.parse(await readFile(out('r.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ baselineState?: string; ruleId: string; properties: { partner?: string } }> }> }
  const ajv = new Ajv({ strict: false, allErrors: true })
  ajvFormats.default(ajv)
  const validate = ajv.compile(JSON.parse(await readFile(`${FIXTURES}sarif-schema-2.1.0.json`, 'utf8')) as object)
  assert.ok(validate(sarif), JSON.stringify(validate.errors))
  assert.equal(sarif.runs[0]!.results.map((r) => [r.ruleId, r.properties.partner, r.baselineState]), [
    ['unhealthy', 'Fivetran', 'unchanged'],
    ['missing', 'Etleap', 'unchanged'],
    ['missing', 'Hightouch', 'new'],
  ])

  const xml = await readFile(out('r.xml'), 'utf8')
  assert.is(XMLValidator.validate(xml), true)
  const junit = (await parseJunit(xml)) as { testsuite?: Array<{ name?: string; failures?: number; testcase?: Array<{ name?: string; failure?: Array<{ message?: string }> }> }> }
  const failures = (junit.testsuite ?? []).flatMap((s) => (s.testcase ?? []).flatMap((c) => (c.failure ?? []).map((f) => [s.name, c.name, f.message])))
  assert.equal(failures, [[`${ACCOUNT}/eu-west-1/reporting`, 'bi/Hightouch', 'new: not integrated; expected status Active']])
  assert.ok((junit.testsuite ?? []).some((s) => s.name === 'partner-drift review'))
})

review('review :: SARIF lists resolved findings as absent', async ({ dir }) => {
  await checkout(dir, 'removes')
  const run = await runCli(['check', MANIFEST, '--base', `main:${MANIFEST}`, '--source', 'snapshot:snapshot.json', '--format', 'sarif'], { cwd: dir })
  assert.is(run.code, 0, run.stderr)
  const sarif = JSON.parse(run.stdout) as { runs: Array<{ results: Array<{ baselineState?: string; properties: { partner?: string; baseLocation?: string } }> }> }
  assert.equal(sarif.runs[0]!.results.map((r) => [r.properties.partner, r.baselineState, r.properties.baseLocation]), [
    ['Fivetran', 'unchanged', undefined],
    ['Etleap', 'absent', `main:${MANIFEST}:12:13`],
  ])
})

review('review :: --base with --shard is refused', async ({ dir }) => {
  const run = await runCli(['check', MANIFEST, '--base', `main:${MANIFEST}`, '--shard', '1/2', '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(run.code, 1)
  assert.match(run.stderr, /--base and --shard cannot be used together/)
})

review.run()

/** With the aws source: one observation of the union of both manifests' clusters, never two. */
const live = suite<{ server: RedshiftTestServer; dir: string }>('review against the Redshift server')
withRedshiftServer(live, 'review')

live('review :: exactly one DescribePartners call per cluster in the union of head and base', async ({ server, dir }) => {
  await repository(dir)
  git(dir, 'checkout', '-q', 'main')
  // The head drops reporting and adds legacy-etl: the union is three clusters.
  const head = BASE.replace(/  - cluster: reporting[\s\S]*$/, '  - cluster: legacy-etl\n    databases:\n      - database: etl\n        partners:\n          - partner: Fivetran\n')
  await writeFile(join(dir, MANIFEST), head)
  for (const [cluster, integrations] of [
    ['analytics-prod', [{ DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active' }, { DatabaseName: 'sales', PartnerName: 'Stitch', Status: 'Active' }]],
    ['reporting', [{ DatabaseName: 'bi', PartnerName: 'Matillion', Status: 'Active' }]],
    ['legacy-etl', []],
  ] as const) {
    server.setCluster({ accountId: ACCOUNT, cluster, region: 'eu-west-1', integrations: [...integrations] })
  }
  const run = await runCli(['check', MANIFEST, '--base', `main:${MANIFEST}`, '--endpoint-url', server.url, '--source-option', 'retryDelayScale=0.01', '--format', 'json'], { cwd: dir, env: awsTestEnv() })
  assert.is(run.code, 2, run.stderr)
  const report = reportOf(run)
  assert.is(server.callCount({ action: 'DescribePartners' }), 3)
  for (const cluster of ['analytics-prod', 'reporting', 'legacy-etl']) assert.is(server.callCount({ action: 'DescribePartners', cluster }), 1, cluster)
  assert.equal(brief(report), [
    ['missing', 'Etleap', 'unchanged', false],
    ['missing', 'Fivetran', 'introduced', true],
  ])
  assert.equal(report.review!.changes.map((c) => [c.change, c.cluster, c.partner]), [
    ['added', 'legacy-etl', 'Fivetran'],
    ['removed', 'reporting', 'Matillion'],
  ])
})

live.run()

test('examples/ci/github-review.yml: runs check --base with flags partner-drift has, fetches history and may comment', () => {
  const text = readFileSync(`${ROOT}examples/ci/github-review.yml`, 'utf8')
  const doc = parse(text) as { permissions: Record<string, string>; jobs: { review: { steps: Array<{ run?: string; with?: Record<string, unknown> }> } } }
  const manifest = JSON.parse(readFileSync(`${ROOT}oclif.manifest.json`, 'utf8')) as { commands: Record<string, { flags: Record<string, unknown> }> }
  const steps = doc.jobs.review.steps
  const check = steps.map((s) => s.run ?? '').join('\n').match(/npx partner-drift check ([^|\n]*)/)
  assert.ok(check, 'a check step')
  for (const [, flag] of check![1]!.matchAll(/(?:^|\s)--([a-z-]+)/g)) assert.ok(manifest.commands.check!.flags[flag!], `check has no --${flag}`)
  assert.match(check![1]!, /--base "\$BASE_SHA:infra\/partner-drift\.yaml"/)
  assert.is(steps.find((s) => s.with && 'fetch-depth' in s.with)?.with?.['fetch-depth'], 0)
  assert.is(doc.permissions['pull-requests'], 'write')
  assert.match(text, /gh pr comment "\$PR" --body-file review\.md --edit-last \|\| gh pr comment "\$PR" --body-file review\.md/)
})

test.run()
