/**
 * Reports as CI systems read them: every path relative to the repository root (SARIF with its
 * SRCROOT base, workflow annotations, GitLab Code Quality, JUnit, Markdown, JSON) whatever the
 * directory and however the manifest was named; GitLab Code Quality by GitLab's field rules;
 * annotations within GitHub's per-step limits, with a note on the rest.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ajv } from 'ajv'
import ajvFormats from 'ajv-formats'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { runCheck } from '../src/check.js'
import { repositoryRootOf } from '../src/cli/repository-root.js'
import { fingerprintOf, type ReportedFinding } from '../src/model/finding.js'
import type { Report } from '../src/model/report.js'
import { CODE_QUALITY_SEVERITIES, renderCodeQuality } from '../src/report/render/codequality.js'
import { ANNOTATIONS_PER_JOB, ANNOTATIONS_PER_LEVEL, planAnnotations, renderGithubAnnotations } from '../src/report/render/github.js'
import { repositoryPath, withRepositoryPaths } from '../src/report/repository-paths.js'
import { ROOT, runCli } from './helpers/cli.js'

const RAW_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/
const ANNOTATION = /^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)$/

async function exampleReport(): Promise<Report> {
  const { report } = await runCheck({ manifest: `${ROOT}examples/partner-drift.yaml`, source: `snapshot:${ROOT}examples/snapshot.json`, concurrency: 2 })
  return report!
}

/** A scratch repository: `.git` (a directory, or a file as in a linked worktree), the example manifest and snapshot in `infra/`. */
async function repository(git: 'dir' | 'file' | 'none' = 'dir'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'partner-drift-repo-'))
  if (git === 'dir') await mkdir(join(root, '.git'))
  if (git === 'file') await writeFile(join(root, '.git'), 'gitdir: /somewhere/else/.git/worktrees/x\n')
  await mkdir(join(root, 'infra', 'deeper'), { recursive: true })
  await copyFile(`${ROOT}examples/partner-drift.yaml`, join(root, 'infra', 'partner-drift.yaml'))
  await copyFile(`${ROOT}examples/snapshot.json`, join(root, 'infra', 'snapshot.json'))
  return root
}

// ---------------------------------------------------------------------------------------------

const paths = suite('repository paths')

paths('repositoryPath :: relative to the root from any directory; outside the root, absolute', () => {
  assert.is(repositoryPath('infra/m.yaml', '/repo', '/repo'), 'infra/m.yaml')
  assert.is(repositoryPath('m.yaml', '/repo', '/repo/infra'), 'infra/m.yaml')
  assert.is(repositoryPath('./a/../m.yaml', '/repo', '/repo/infra'), 'infra/m.yaml')
  assert.is(repositoryPath('/repo/infra/m.yaml', '/repo', '/elsewhere'), 'infra/m.yaml')
  assert.is(repositoryPath('../../other/m.yaml', '/repo', '/repo/infra'), '/other/m.yaml')
  assert.is(repositoryPath('/repo-other/m.yaml', '/repo', '/repo'), '/repo-other/m.yaml', 'a sibling that shares a prefix is outside')
  assert.is(repositoryPath('<stdin>', '/repo', '/repo/infra'), '<stdin>')
})

paths('repositoryRootOf :: GITHUB_WORKSPACE, then CI_PROJECT_DIR, then the .git above the manifest (directory or file), then the current directory', async () => {
  const [clone, worktree, plain] = await Promise.all([repository('dir'), repository('file'), repository('none')])
  try {
    assert.is(repositoryRootOf({ GITHUB_WORKSPACE: '/gh/ws', CI_PROJECT_DIR: '/gl/dir' }, clone, 'infra/partner-drift.yaml'), '/gh/ws')
    assert.is(repositoryRootOf({ CI_PROJECT_DIR: '/gl/dir' }, clone, 'infra/partner-drift.yaml'), '/gl/dir')
    assert.is(repositoryRootOf({}, join(clone, 'infra', 'deeper'), '../partner-drift.yaml'), clone)
    assert.is(repositoryRootOf({}, tmpdir(), join(clone, 'infra', 'partner-drift.yaml')), clone, 'an absolute manifest path from outside the repository')
    assert.is(repositoryRootOf({}, join(worktree, 'infra'), 'partner-drift.yaml'), worktree)
    assert.is(repositoryRootOf({}, join(plain, 'infra'), 'partner-drift.yaml'), join(plain, 'infra'))
  } finally {
    await Promise.all([clone, worktree, plain].map((dir) => rm(dir, { recursive: true, force: true })))
  }
})

paths('withRepositoryPaths :: the manifest, every finding\'s location and suppression, every cluster\'s location; nothing else', async () => {
  const report = await exampleReport()
  const suppressed = { ...report, findings: report.findings.map((f, i) => (i === 0 ? { ...f, suppressed: { by: 'exception' as const, reason: 'r', location: { file: `${ROOT}examples/exceptions.yaml`, line: 2, column: 3 } }, failing: false } : f)) }
  const moved = withRepositoryPaths(suppressed, ROOT, `${ROOT}test`)
  assert.is(moved.manifest, 'examples/partner-drift.yaml')
  assert.ok(moved.findings.every((f) => !f.location || f.location.file === 'examples/partner-drift.yaml'))
  assert.is(moved.findings[0]!.suppressed!.location!.file, 'examples/exceptions.yaml')
  assert.ok(moved.clusters.every((c) => c.location?.file === 'examples/partner-drift.yaml'))
  const strip = (r: Report): unknown => JSON.parse(JSON.stringify(r).replaceAll(`${ROOT}examples/`, 'examples/'))
  assert.equal(strip(moved), strip(suppressed), 'only file names change')
})

const sarifSchema = JSON.parse(await readFile(`${ROOT}test/fixtures/sarif-schema-2.1.0.json`, 'utf8')) as object
const sarifAjv = new Ajv({ strict: false, allErrors: true })
// ajv-formats is CommonJS: under NodeNext its default import is the whole module.
ajvFormats.default(sarifAjv)
const validateSarif = sarifAjv.compile(sarifSchema)

interface SarifLog {
  runs: Array<{
    automationDetails: { id: string }
    originalUriBaseIds?: Record<string, unknown>
    results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }> }>
  }>
}

/** Every report of one run, each read as its consumer reads it, names the manifest `expected`. */
async function assertEveryReportNames(dir: string, run: { code: number; stdout: string; stderr: string }, expected: string): Promise<void> {
  assert.is(run.code, 2, run.stderr)
  const sarif = JSON.parse(await readFile(join(dir, 'r.sarif'), 'utf8')) as SarifLog
  assert.ok(validateSarif(sarif), JSON.stringify(validateSarif.errors, null, 2))
  const sarifRun = sarif.runs[0]!
  assert.ok(sarifRun.originalUriBaseIds?.SRCROOT, 'SRCROOT is declared')
  assert.is(sarifRun.automationDetails.id, `partner-drift/${expected}/`)
  for (const result of sarifRun.results) assert.equal(result.locations[0]!.physicalLocation.artifactLocation, { uri: expected, uriBaseId: 'SRCROOT' })

  const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::'))
  assert.ok(annotations.length > 0)
  for (const line of annotations) assert.is(ANNOTATION.exec(line)?.[2], expected, line)

  const codequality = JSON.parse(await readFile(join(dir, 'r.codequality.json'), 'utf8')) as Array<{ location: { path: string } }>
  assert.ok(codequality.length > 0 && codequality.every((issue) => issue.location.path === expected))
  const json = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as Report
  assert.is(json.manifest, expected)
  assert.ok(json.findings.every((f) => !f.location || f.location.file === expected))
  assert.match(await readFile(join(dir, 'r.xml'), 'utf8'), new RegExp(`manifest: ${expected.replace(/[.]/g, '\\.')}:\\d+:\\d+`))
  assert.match(await readFile(join(dir, 'r.md'), 'utf8'), new RegExp(`\`${expected.replace(/[.]/g, '\\.')}:\\d+:\\d+\``))
}

const outputsIn = (dir: string): string[] => ['json', 'sarif', 'codequality', 'xml', 'md'].flatMap((ext) => ['--output', `${{ xml: 'junit', md: 'markdown', codequality: 'codequality' }[ext] ?? ext}=${join(dir, ext === 'codequality' ? 'r.codequality.json' : `r.${ext}`)}`])

paths('cli :: run from the manifest\'s directory with a relative path: every report names infra/partner-drift.yaml', async () => {
  const root = await repository('dir')
  try {
    const run = await runCli(['check', 'partner-drift.yaml', '--source', 'snapshot:snapshot.json', ...outputsIn(root)], { cwd: join(root, 'infra'), env: { GITHUB_ACTIONS: 'true', CI: '1' } })
    await assertEveryReportNames(root, run, 'infra/partner-drift.yaml')
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

paths('cli :: run from a deeper directory with ../ and from outside with an absolute path (linked worktree): the same names', async () => {
  const root = await repository('file')
  try {
    const deeper = await runCli(['check', '../partner-drift.yaml', '--source', 'snapshot:../snapshot.json', ...outputsIn(root)], { cwd: join(root, 'infra', 'deeper'), env: { GITHUB_ACTIONS: 'true', CI: '1' } })
    await assertEveryReportNames(root, deeper, 'infra/partner-drift.yaml')
    const absolute = await runCli(['check', join(root, 'infra', 'partner-drift.yaml'), '--source', `snapshot:${join(root, 'infra', 'snapshot.json')}`, ...outputsIn(root)], { cwd: tmpdir(), env: { GITHUB_ACTIONS: 'true', CI: '1' } })
    await assertEveryReportNames(root, absolute, 'infra/partner-drift.yaml')
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

paths('cli :: GITHUB_WORKSPACE and CI_PROJECT_DIR name the root with no .git at all; a manifest outside it keeps an absolute path and a file URI', async () => {
  const root = await repository('none')
  try {
    const github = await runCli(['check', 'partner-drift.yaml', '--source', 'snapshot:snapshot.json', ...outputsIn(root)], { cwd: join(root, 'infra'), env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: root, CI: '1' } })
    await assertEveryReportNames(root, github, 'infra/partner-drift.yaml')
    const gitlab = await runCli(['check', join(root, 'infra', 'partner-drift.yaml'), '--source', `snapshot:${join(root, 'infra', 'snapshot.json')}`, ...outputsIn(root)], { env: { GITHUB_ACTIONS: 'true', CI_PROJECT_DIR: root, CI: '1' } })
    await assertEveryReportNames(root, gitlab, 'infra/partner-drift.yaml')

    const outside = await runCli(['check', join(root, 'infra', 'partner-drift.yaml'), '--source', `snapshot:${join(root, 'infra', 'snapshot.json')}`, '--output', `sarif=${join(root, 'r.sarif')}`], { env: { GITHUB_WORKSPACE: join(root, 'infra', 'deeper'), CI: '1' } })
    const sarif = JSON.parse(await readFile(join(root, 'r.sarif'), 'utf8')) as SarifLog
    assert.ok(validateSarif(sarif), JSON.stringify(validateSarif.errors))
    assert.equal(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation, { uri: `file://${join(root, 'infra', 'partner-drift.yaml')}` })
    assert.is(outside.code, 2)
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

paths.run()

// ---------------------------------------------------------------------------------------------

const codequality = suite('codequality')

/** The example of GitLab's Code Quality documentation (ci/testing/code_quality, "Implement a custom tool"). */
const GITLAB_EXAMPLE = [
  {
    description: "'unused' is assigned a value but never used.",
    check_name: 'no-unused-vars',
    fingerprint: '7815696ecbf1c96e6894b779456d330e',
    severity: 'minor',
    location: { path: 'lib/index.js', lines: { begin: 42 } },
  },
]

/** GitLab's field rules: these fields, all required; severity one of five; path relative to the repository root; begin a line number. */
const CODE_QUALITY_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    additionalProperties: false,
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: [...CODE_QUALITY_SEVERITIES] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        additionalProperties: false,
        properties: {
          path: { type: 'string', minLength: 1, not: { pattern: '^(/|[A-Za-z]:|\\.\\.?/)' } },
          lines: { type: 'object', required: ['begin'], additionalProperties: false, properties: { begin: { type: 'integer', minimum: 1 } } },
        },
      },
    },
  },
}
const validateCodeQuality = new Ajv({ allErrors: true }).compile(CODE_QUALITY_SCHEMA)

/** The keys of a value, recursively: two issues have the same shape when these are equal. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? shapeOf(value[0]) : []
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))))
  return typeof value
}

interface CodeQualityIssue {
  description: string
  check_name: string
  fingerprint: string
  severity: string
  location: { path: string; lines: { begin: number } }
}

codequality('the field rules accept GitLab\'s own example (the rules are not stricter than GitLab)', () => {
  assert.ok(validateCodeQuality(GITLAB_EXAMPLE), JSON.stringify(validateCodeQuality.errors))
})

codequality('the example report: GitLab\'s shape and rules, one issue per finding not accepted, on its manifest line', async () => {
  const report = withRepositoryPaths(await exampleReport(), ROOT, ROOT)
  const issues = JSON.parse(renderCodeQuality(report)) as CodeQualityIssue[]
  assert.ok(validateCodeQuality(issues), JSON.stringify(validateCodeQuality.errors, null, 2))
  for (const issue of issues) assert.equal(shapeOf(issue), shapeOf(GITLAB_EXAMPLE[0]))
  assert.is(issues.length, report.findings.length)
  assert.is(new Set(issues.map((i) => i.fingerprint)).size, issues.length, 'fingerprints are unique')
  for (const [i, finding] of report.findings.entries()) {
    const issue = issues[i]!
    assert.is(issue.fingerprint, finding.fingerprint, 'the finding\'s own fingerprint: stable across runs')
    assert.is(issue.check_name, `partner-drift/${finding.kind}`)
    assert.is(issue.severity, finding.kind === 'error' ? 'blocker' : finding.failing ? 'critical' : 'minor')
    assert.equal(issue.location, { path: 'examples/partner-drift.yaml', lines: { begin: finding.location?.line ?? 1 } })
    assert.ok(issue.description.includes(finding.message))
  }
  assert.ok(issues.some((i) => i.severity === 'minor'), 'the warning of the example')
})

codequality('accepted findings are left out; a cluster that could not be observed blocks; repeated fingerprints get distinct ones; hostile text stays one inert line', async () => {
  const report = withRepositoryPaths(await exampleReport(), ROOT, ROOT)
  const [first, second] = report.findings
  const error: ReportedFinding = { ...first!, kind: 'error', message: 'could not look\n\u001b[31mred\u202e ::error::forged', fingerprint: fingerprintOf({ ...first!, kind: 'error' }) }
  const accepted: ReportedFinding = { ...second!, suppressed: { by: 'baseline', reason: 'known' }, failing: false }
  const findings = [error, accepted, first!, { ...first! }]
  const issues = JSON.parse(renderCodeQuality({ ...report, findings })) as CodeQualityIssue[]
  assert.ok(validateCodeQuality(issues), JSON.stringify(validateCodeQuality.errors))
  assert.equal(issues.map((i) => i.severity), ['blocker', 'critical', 'critical'])
  assert.is(new Set(issues.map((i) => i.fingerprint)).size, 3)
  assert.is(issues[1]!.fingerprint, first!.fingerprint)
  assert.not.ok(RAW_CONTROL.test(issues[0]!.description), issues[0]!.description)
  assert.not.match(issues[0]!.description, /\n/)
  assert.match(issues[0]!.description, /could not look\\n\\u001b\[31mred\\u202e ::error::forged/)
  assert.not.ok(RAW_CONTROL.test(renderCodeQuality({ ...report, findings })))
})

codequality('cli :: --format codequality on stdout and --output codequality=FILE are the same document', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-cq-'))
  try {
    const run = await runCli(['check', 'examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json', '--format', 'codequality', '--output', `codequality=${join(dir, 'cq.json')}`])
    assert.is(run.code, 2, run.stderr)
    const issues = JSON.parse(run.stdout) as CodeQualityIssue[]
    assert.ok(validateCodeQuality(issues), JSON.stringify(validateCodeQuality.errors))
    assert.ok(issues.every((i) => i.location.path === 'examples/partner-drift.yaml'))
    assert.is(await readFile(join(dir, 'cq.json'), 'utf8'), run.stdout)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

codequality.run()

// ---------------------------------------------------------------------------------------------

const annotations = suite('github annotations :: limits')

/**
 * 647 findings: 600 missing (one cluster, 6 databases x 100 partners, none integrated), one
 * forbidden and one cluster the snapshot does not hold (error) among them, 30 extra integrations
 * on a cluster where extra only warns, 15 missing ones an exception accepts.
 */
function manyFindings(): { manifest: string; snapshot: string } {
  const partners = (n: number, prefix = 'P'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
  const lines = ['version: 1', 'defaults:', '  accountId: "123456789012"', '  region: eu-west-1', 'exceptions:', '  - cluster: excepted', '    kind: missing', '    reason: being set up (DATA-7)', 'clusters:']
  lines.push('  - cluster: big', '    absent: [Segment]', '    databases:')
  for (let d = 0; d < 6; d++) lines.push(`      - database: db${d}`, '        partners:', ...partners(100).map((p) => `          - partner: ${p}`))
  lines.push('  - cluster: staging', '    extra: warn', '    databases:', '      - database: dev', '        partners: []')
  lines.push('  - cluster: excepted', '    databases:', '      - database: dev', '        partners:', ...partners(15, 'E').map((p) => `          - partner: ${p}`))
  lines.push('  - cluster: gone', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran')
  const at = { CreatedAt: '2026-11-01T00:00:00Z', UpdatedAt: '2026-11-24T00:00:00Z' }
  const place = { accountId: '123456789012', region: 'eu-west-1' }
  const snapshot = {
    version: 1,
    capturedAt: '2026-11-24T10:00:00Z',
    clusters: [
      { ...place, cluster: 'big', PartnerIntegrationInfoList: [{ DatabaseName: 'db0', PartnerName: 'Segment', Status: 'Active', ...at }] },
      { ...place, cluster: 'staging', PartnerIntegrationInfoList: partners(30, 'X').map((p) => ({ DatabaseName: 'dev', PartnerName: p, Status: 'Active', ...at })) },
      { ...place, cluster: 'excepted', PartnerIntegrationInfoList: [] },
    ],
  }
  return { manifest: lines.join('\n') + '\n', snapshot: JSON.stringify(snapshot) }
}

function levelsOf(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = { error: 0, warning: 0, notice: 0 }
  for (const line of lines) counts[ANNOTATION.exec(line)![1]!]! += 1
  return counts
}

annotations('a report within the limits: one annotation per finding, no note', async () => {
  const report = await exampleReport()
  const plan = planAnnotations(report)
  assert.is(plan.annotated.length, report.findings.length)
  assert.is(plan.overflowLevel, undefined)
  assert.is(renderGithubAnnotations(report).trimEnd().split('\n').length, report.findings.length)
})

annotations('every mix of levels: at most 10 annotations per level with the note, every finding annotated or counted, a note exactly when a level overflows', async () => {
  const report = await exampleReport()
  const base = report.findings.find((f) => f.kind === 'missing')!
  const of = (level: 'error' | 'warning' | 'notice', i: number): ReportedFinding => ({
    ...base,
    partner: `${level}${i}`,
    severity: level === 'warning' ? 'warn' : 'fail',
    failing: level === 'error',
    ...(level === 'notice' ? { suppressed: { by: 'exception' as const, reason: 'accepted' } } : {}),
  })
  for (const [errors, warnings, notices] of [[0, 0, 0], [10, 10, 10], [11, 0, 0], [0, 11, 3], [3, 0, 40], [10, 10, 11], [200, 1, 30]]) {
    const findings = [...Array.from({ length: errors }, (_, i) => of('error', i)), ...Array.from({ length: warnings }, (_, i) => of('warning', i)), ...Array.from({ length: notices }, (_, i) => of('notice', i))]
    const mixed = { ...report, findings }
    const plan = planAnnotations(mixed)
    const lines = renderGithubAnnotations(mixed).split('\n').filter(Boolean)
    const counts = levelsOf(lines)
    const overflows = errors > 10 || warnings > 10 || notices > 10
    const name = `${errors}/${warnings}/${notices}`
    assert.ok(Object.values(counts).every((n) => n <= ANNOTATIONS_PER_LEVEL), `${name}: ${JSON.stringify(counts)}`)
    assert.is(plan.annotated.length + plan.leftOut.length, findings.length, name)
    assert.is(lines.length, plan.annotated.length + (overflows ? 1 : 0), name)
    assert.is(lines.filter((l) => l.includes('more findings not annotated')).length, overflows ? 1 : 0, name)
    if (overflows) assert.is(lines.at(-1)!.startsWith(`::${errors > 10 ? 'error' : warnings > 10 ? 'warning' : 'notice'} `), true, name)
  }
})

annotations('cli :: 647 findings under GITHUB_ACTIONS: at most 10 per level, the most severe first, one note counting the rest and naming the full report; the job summary says so too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-many-'))
  try {
    const { manifest, snapshot } = manyFindings()
    await Promise.all([writeFile(join(dir, 'm.yaml'), manifest), writeFile(join(dir, 's.json'), snapshot), writeFile(join(dir, 'summary.md'), '# before\n')])
    const run = await runCli(['check', 'm.yaml', '--source', 'snapshot:s.json', '--output', 'json=reports/all.json', '--github-summary'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), CI: '1' },
    })
    assert.is(run.code, 1, run.stderr)
    const report = JSON.parse(await readFile(join(dir, 'reports', 'all.json'), 'utf8')) as Report
    assert.is(report.findings.length, 647)

    const lines = run.stdout.split('\n').filter((line) => line.startsWith('::'))
    for (const line of lines) assert.match(line, ANNOTATION)
    const counts = levelsOf(lines)
    assert.equal(counts, { error: ANNOTATIONS_PER_LEVEL, warning: ANNOTATIONS_PER_LEVEL, notice: ANNOTATIONS_PER_LEVEL })
    assert.ok(lines.length <= ANNOTATIONS_PER_JOB)

    const errors = lines.filter((line) => line.startsWith('::error '))
    // The cluster that could not be observed, then what must not be there, then what is missing.
    assert.match(errors[0]!, /title=partner-drift error%3A 123456789012\/eu-west-1\/gone::/)
    assert.match(errors[1]!, /title=partner-drift forbidden%3A 123456789012\/eu-west-1\/big\/db0\/Segment::/)
    assert.ok(errors.slice(2, 9).every((line) => line.includes('title=partner-drift missing%3A')))
    const note = errors.find((line) => line.includes('more findings not annotated'))!
    assert.ok(note, 'one note, at error level so that it is shown')
    assert.is(lines.filter((line) => line.includes('more findings not annotated')).length, 1)
    // 9 findings at error level, 10 warnings and 10 notices are annotated; the note counts the other 618.
    assert.match(note, /::618 more findings \(593 failing, 20 warning, 5 accepted\) are not annotated: GitHub shows at most 10 annotations of each level per step, so the most severe are shown\. Every finding is in reports\/all\.json\.$/)
    assert.match(note, /^::error file=m\.yaml,line=1,col=1,/)

    const summary = await readFile(join(dir, 'summary.md'), 'utf8')
    assert.ok(summary.startsWith('# before\n'))
    assert.match(summary, /> 618 of 647 findings are not annotated \(GitHub shows at most 10 annotations of each level per step\); every finding is in `reports\/all\.json`\.\n$/)

    // With no report file, the note points at the text report in the same log.
    const plain = await runCli(['check', 'm.yaml', '--source', 'snapshot:s.json'], { cwd: dir, env: { GITHUB_ACTIONS: 'true', CI: '1' } })
    assert.match(plain.stdout, /Every finding is in the text report above, in this step's log\.$/m)
    assert.ok(plain.stdout.split('\n').filter((line) => line.startsWith('::')).length <= 3 * ANNOTATIONS_PER_LEVEL)
    // --format github obeys the same limits (it is what a step would print).
    const github = await runCli(['check', 'm.yaml', '--source', 'snapshot:s.json', '--format', 'github'], { cwd: dir })
    assert.is(github.stdout.trimEnd().split('\n').length, 3 * ANNOTATIONS_PER_LEVEL)
    assert.match(github.stdout, /Write every finding to a file with --output json=FILE\./)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

annotations.run()
