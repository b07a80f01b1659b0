/**
 * The CI and review formats (SARIF, JUnit, Markdown, GitHub annotations) and the remediation
 * every finding carries. Reports come from the real pipeline (`runCheck` on the bundled
 * example and its snapshot) where they can; suppressed findings and exception findings are
 * built by hand, with the verdict the engine would give them.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { Ajv } from 'ajv'
import ajvFormats from 'ajv-formats'
import { XMLValidator } from 'fast-xml-parser'
import { parse as parseJunit, type TestCase, type TestSuite, type TestSuites } from 'junit2json'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { runCheck } from '../src/check.js'
import { type Finding, fingerprintOf, type ReportedFinding } from '../src/model/finding.js'
import type { FindingKind } from '../src/model/finding-kinds.js'
import { remediationFor } from '../src/report/remediation.js'
import type { Report } from '../src/model/report.js'
import { escapeData, escapeProperty, renderGithubAnnotations } from '../src/report/render/github.js'
import { renderJunit } from '../src/report/render/junit.js'
import { code, escapeText, GITHUB_MARKDOWN_LIMIT, renderMarkdown } from '../src/report/render/markdown.js'
import { MAX_RESULTS, renderSarif } from '../src/report/render/sarif.js'

// dist/test/ -> the package root. Tests run from there, so the example paths are relative to it, as in a CI step.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MANIFEST = 'examples/partner-drift.yaml'
const MANIFEST_LINES = readFileSync(MANIFEST, 'utf8').split('\n')

async function exampleReport(manifest: string): Promise<Report> {
  const { report, diagnostics } = await runCheck({ manifest, source: 'snapshot:examples/snapshot.json', concurrency: 2 })
  if (!report) throw new Error(`no report for ${manifest}: ${JSON.stringify(diagnostics)}`)
  return report
}

const drift = await exampleReport(MANIFEST)
const incomplete = await exampleReport('examples/incomplete.yaml')

function findingOf(report: Report, kind: string, partner?: string): ReportedFinding {
  const found = report.findings.find((f) => f.kind === kind && (partner === undefined || f.partner === partner))
  if (!found) throw new Error(`no ${kind} ${partner ?? ''} finding in the report`)
  return found
}

type Suppressed = { by: 'exception' | 'baseline'; reason: string; owner?: string; expires?: string }

/** A finding as the engine builds it, with its fix and its verdict, for cases the example cannot produce. */
function made(fields: Partial<Omit<Finding, 'kind'>> & { kind: FindingKind; suppressed?: Suppressed }): ReportedFinding {
  const base = { severity: 'fail' as const, accountId: '123456789012', region: 'eu-west-1', cluster: 'analytics-prod', message: `${fields.kind} finding`, ...fields }
  const finding: Finding = { ...base, fingerprint: fingerprintOf(base) }
  return { ...finding, remediation: remediationFor(finding), failing: finding.severity === 'fail' && !finding.suppressed }
}

/** The drift report plus findings an exception or the baseline suppresses, and exception findings. */
function withPolicyFindings(): Report {
  const findings = drift.findings.map((f) =>
    f.kind === 'extra' && f.partner === 'Sisense'
      ? ({ ...f, suppressed: { by: 'exception', reason: 'BI trial until Q1', owner: 'data-platform', expires: '2027-03-31' }, failing: false } as ReportedFinding)
      : f.kind === 'stale'
        ? ({ ...f, suppressed: { by: 'baseline', reason: 'present in baseline report.json' }, failing: false } as ReportedFinding)
        : f,
  )
  findings.push(
    made({ kind: 'expired-exception', accountId: '*', region: '*', cluster: 'analytics-*', partner: 'Segment', message: 'exception for Segment expired on 2026-01-01', location: { file: MANIFEST, line: 7, column: 3 } }),
    made({ kind: 'unused-exception', severity: 'warn', accountId: '*', region: '*', cluster: '*', message: 'exception matches nothing' }),
  )
  return { ...drift, findings }
}

// ---------------------------------------------------------------------------------------------

const remediation = suite('remediation')

remediation('missing :: exact add-partner command, terraform block and import id', () => {
  const r = findingOf(drift, 'missing', 'Etleap').remediation!
  assert.equal(r.commands, [
    'aws redshift add-partner --account-id 123456789012 --cluster-identifier analytics-prod --database-name sales --partner-name Etleap --region eu-west-1',
  ])
  assert.equal(
    r.terraform,
    [
      'resource "aws_redshift_partner" "analytics_prod_sales_etleap" {',
      '  # eu-west-1: the aws provider of this resource must target this region',
      '  account_id         = "123456789012"',
      '  cluster_identifier = "analytics-prod"',
      '  database_name      = "sales"',
      '  partner_name       = "Etleap"',
      '}',
      '# Created outside Terraform already (e.g. with add-partner)? Adopt it instead:',
      '#   terraform import aws_redshift_partner.analytics_prod_sales_etleap 123456789012:analytics-prod:sales:Etleap',
    ].join('\n'),
  )
  assert.is(r.manifest, undefined)
  assert.match(r.summary, /Etleap console/)
})

remediation('missing :: cluster not found means fixing the manifest or creating the cluster, never add-partner', () => {
  const r = findingOf(drift, 'missing', 'Matillion').remediation!
  assert.is(r.commands, undefined)
  assert.is(r.terraform, undefined)
  assert.match(r.summary, /^Cluster reporting \(account 123456789012, us-east-1\) does not exist/)
  assert.match(r.summary, /correct the cluster, accountId or region/)
  assert.match(r.summary, /create the cluster/)
  assert.not.match(r.summary, /add-partner/)
  const clusterOnly = made({ kind: 'missing', cluster: 'gone', cause: { code: 'ClusterNotFound' } }).remediation!
  assert.match(clusterOnly.summary, /^Cluster gone .* does not exist/)
})

remediation('extra :: delete-partner, or a partner entry under a declared database', () => {
  const r = findingOf(drift, 'extra', 'Sisense').remediation!
  assert.equal(r.commands, [
    'aws redshift delete-partner --account-id 123456789012 --cluster-identifier analytics-prod --database-name marketing --partner-name Sisense --region eu-west-1',
  ])
  assert.equal(r.manifest, '# under partners: of database marketing in cluster analytics-prod (account 123456789012, eu-west-1)\n- partner: Sisense')
  assert.ok(r.terraform?.endsWith('#   terraform import aws_redshift_partner.analytics_prod_marketing_sisense 123456789012:analytics-prod:marketing:Sisense'))
})

remediation('extra :: a whole database entry when the database is not in the manifest', () => {
  const r = findingOf(drift, 'extra', 'Upsolver').remediation!
  assert.equal(r.commands, [
    'aws redshift delete-partner --account-id 123456789012 --cluster-identifier analytics-staging --database-name scratch --partner-name Upsolver --region eu-west-1',
  ])
  assert.equal(r.manifest, '# under databases: of cluster analytics-staging (account 123456789012, eu-west-1)\n- database: scratch\n  partners:\n    - partner: Upsolver')
})

remediation('forbidden :: delete-partner, no manifest lines to accept it', () => {
  const r = findingOf(drift, 'forbidden', 'Segment').remediation!
  assert.equal(r.commands, [
    'aws redshift delete-partner --account-id 123456789012 --cluster-identifier analytics-prod --database-name dev --partner-name Segment --region eu-west-1',
  ])
  assert.is(r.manifest, undefined)
  assert.match(r.summary, /absent list/)
})

remediation('unhealthy :: fixed in the partner console, status message quoted', () => {
  const r = findingOf(drift, 'unhealthy', 'Fivetran').remediation!
  assert.is(r.commands, undefined)
  assert.match(r.summary, /Fivetran pushes this status/)
  assert.match(r.summary, /in the Fivetran console/)
  assert.match(r.summary, /status RuntimeFailure, expected Active/)
  assert.ok(r.summary.includes('"Sync failed: password authentication failed for user fivetran"'))
})

remediation('stale :: the partner has not reported since its last update', () => {
  const r = findingOf(drift, 'stale', 'Stitch').remediation!
  assert.is(r.commands, undefined)
  assert.match(r.summary, /Stitch pushes this status to Redshift and has not done so since 2026-10-02T08:00:00Z \(maxStatusAge 7d\)/)
  assert.match(r.summary, /in the Stitch console/)
  assert.match(r.summary, /status message: "OK"/)
})

remediation('error :: access denied names the IAM action and the cluster ARN', () => {
  const r = made({ kind: 'error', cause: { code: 'AccessDeniedException' }, message: 'could not observe (AccessDeniedException)' }).remediation!
  assert.match(r.summary, /^Cluster analytics-prod \(account 123456789012, eu-west-1\) could not be observed \(AccessDeniedException\)/)
  assert.ok(r.summary.includes('redshift:DescribePartners on arn:aws:redshift:eu-west-1:123456789012:cluster:analytics-prod'))
})

remediation("error :: the source's hint, or advice by code when there is none", () => {
  const snapshot = findingOf(incomplete, 'error').remediation!
  assert.match(snapshot.summary, /\(NotInSnapshot\): record it again with partner-drift snapshot/)
  const unauthorized = incomplete.findings.find((f) => f.cause?.code === 'UnauthorizedPartnerIntegration')!.remediation!
  assert.match(unauthorized.summary, /accountId is the account that owns the cluster/)
  const throttled = made({ kind: 'error', cause: { code: 'Throttling' } }).remediation!
  assert.match(throttled.summary, /lower --concurrency/)
})

remediation('exceptions :: a summary that says what to do with the entry', () => {
  assert.match(made({ kind: 'expired-exception' }).remediation.summary, /expired/)
  assert.match(made({ kind: 'unused-exception' }).remediation.summary, /delete it/)
})

remediation('quoting :: shell and HCL metacharacters in names stay literal', () => {
  const r = made({ kind: 'missing', cluster: '9lives', database: "o'neil$db", partner: 'Five_tran' }).remediation!
  assert.equal(r.commands, [
    `aws redshift add-partner --account-id 123456789012 --cluster-identifier 9lives --database-name 'o'\\''neil$db' --partner-name Five_tran --region eu-west-1`,
  ])
  assert.match(r.terraform!, /^resource "aws_redshift_partner" "redshift_9lives_o_neil_db_five_tran" \{$/m)
  assert.match(r.terraform!, /^ {2}database_name {6}= "o'neil\$db"$/m)
  assert.ok(r.terraform!.endsWith(`terraform import aws_redshift_partner.redshift_9lives_o_neil_db_five_tran '123456789012:9lives:o'\\''neil$db:Five_tran'`))
  const interpolation = made({ kind: 'missing', database: 'a${b}"c', partner: 'P' }).remediation!
  assert.match(interpolation.terraform!, /database_name {6}= "a\$\$\{b\}\\"c"/)
})

remediation.run()

// ---------------------------------------------------------------------------------------------

const sarif = suite('sarif')

const sarifSchema = JSON.parse(readFileSync(`${ROOT}test/fixtures/sarif-schema-2.1.0.json`, 'utf8')) as object
const ajv = new Ajv({ strict: false, allErrors: true })
// ajv-formats is CommonJS: under NodeNext its default import is the whole module.
ajvFormats.default(ajv)
const validateSarif = ajv.compile(sarifSchema)

interface SarifResult {
  ruleId: string
  ruleIndex: number
  level: string
  message: { text: string }
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } } }>
  partialFingerprints: Record<string, string>
  suppressions?: Array<{ kind: string; justification: string }>
}
interface SarifRun {
  tool: { driver: { name: string; version: string; rules: Array<{ id: string; defaultConfiguration: { level: string }; help: { text: string; markdown: string } }> } }
  invocations: Array<{ executionSuccessful: boolean; exitCode: number; toolExecutionNotifications?: unknown[] }>
  results: SarifResult[]
}

function sarifOf(report: Report): SarifRun {
  const log = JSON.parse(renderSarif(report)) as { version: string; runs: SarifRun[] }
  assert.is(log.version, '2.1.0')
  assert.is(log.runs.length, 1)
  return log.runs[0]
}

function schemaErrors(report: Report): string[] {
  return validateSarif(JSON.parse(renderSarif(report))) ? [] : (validateSarif.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

sarif('the official 2.1.0 schema accepts every report', () => {
  assert.equal(schemaErrors(drift), [])
  assert.equal(schemaErrors(incomplete), [])
  assert.equal(schemaErrors(withPolicyFindings()), [])
  assert.equal(schemaErrors({ ...drift, manifest: '/abs/path with space/m.yaml', findings: [made({ kind: 'error', cause: { code: 'X' } })] }), [])
})

sarif('the schema check itself rejects a broken log', () => {
  const log = JSON.parse(renderSarif(drift)) as { runs: Array<{ results: Array<Record<string, unknown>> }> }
  log.runs[0].results[0].level = 'fatal'
  assert.is(validateSarif(log), false)
})

sarif('one rule per kind; results refer to their rule by id and index', () => {
  const run = sarifOf(withPolicyFindings())
  assert.is(run.tool.driver.name, 'partner-drift')
  assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+/)
  const ids = run.tool.driver.rules.map((r) => r.id)
  assert.equal(ids, ['missing', 'extra', 'unmanaged', 'forbidden', 'unhealthy', 'stale', 'error', 'expired-exception', 'expiring-exception', 'unused-exception', 'unused-rule'])
  assert.is(run.tool.driver.rules[ids.indexOf('unused-exception')].defaultConfiguration.level, 'warning')
  assert.match(run.tool.driver.rules[0].help.markdown, /add-partner/)
  for (const result of run.results) assert.is(ids[result.ruleIndex], result.ruleId)
})

sarif('results point at the manifest entry each finding comes from', () => {
  const run = sarifOf(drift)
  const at = (partner: string): string => {
    const result = run.results.find((r) => r.message.text.includes(`/${partner}: `))!
    const { artifactLocation, region } = result.locations[0].physicalLocation
    assert.is(artifactLocation.uri, MANIFEST)
    assert.is(artifactLocation.uriBaseId, 'SRCROOT')
    return MANIFEST_LINES[region.startLine - 1].slice(region.startColumn - 1)
  }
  assert.is(at('Etleap'), 'partner: Etleap')
  assert.is(at('Stitch'), 'partner: Stitch')
  assert.is(at('Fivetran'), 'partner: Fivetran')
  assert.is(at('Matillion'), 'partner: Matillion')
  assert.ok(at('Segment').startsWith('Segment]'), 'forbidden: the absent list entry')
  assert.is(at('Sisense'), 'database: marketing')
  assert.is(at('Upsolver'), 'cluster: analytics-staging')
})

sarif('levels from severity, stable fingerprints, fixes in the message', () => {
  const run = sarifOf(drift)
  const levels = run.results.map((r) => `${r.ruleId}:${r.level}`)
  assert.ok(levels.includes('extra:warning'), 'the staging extra is a warning')
  assert.is(levels.filter((l) => l.endsWith(':error')).length, drift.findings.filter((f) => f.severity === 'fail').length)
  assert.equal(
    run.results.map((r) => r.partialFingerprints['partnerDrift/v1']),
    drift.findings.map((f) => f.fingerprint),
  )
  assert.equal(sarifOf(drift).results.map((r) => r.partialFingerprints), run.results.map((r) => r.partialFingerprints))
  const missing = run.results.find((r) => r.ruleId === 'missing' && r.message.text.includes('Etleap'))!
  assert.ok(missing.message.text.includes('aws redshift add-partner --account-id 123456789012'))
})

sarif('suppressed findings keep their result, with an external suppression and its reason', () => {
  const run = sarifOf(withPolicyFindings())
  const suppressed = run.results.filter((r) => r.suppressions)
  assert.equal(
    suppressed.map((r) => [r.ruleId, r.suppressions]),
    [
      ['extra', [{ kind: 'external', justification: 'excepted: BI trial until Q1 (owner data-platform, expires 2027-03-31)', properties: { by: 'exception', reason: 'BI trial until Q1', owner: 'data-platform', expires: '2027-03-31' } }]],
      ['stale', [{ kind: 'external', justification: 'known (baseline): present in baseline report.json', properties: { by: 'baseline', reason: 'present in baseline report.json' } }]],
    ],
  )
})

sarif('a finding without a manifest entry is located at line 1 of the manifest', () => {
  const run = sarifOf(withPolicyFindings())
  const unused = run.results.find((r) => r.ruleId === 'unused-exception')!
  assert.equal(unused.locations[0].physicalLocation, { artifactLocation: { uri: MANIFEST, uriBaseId: 'SRCROOT' }, region: { startLine: 1, startColumn: 1 } })
})

sarif('manifest paths become valid URIs: relative ones under SRCROOT, absolute ones as file URIs', () => {
  const loc = (manifest: string): unknown => sarifOf({ ...drift, manifest, findings: [made({ kind: 'error' })] }).results[0].locations[0].physicalLocation.artifactLocation
  assert.equal(loc('./ci/my manifest#1.yaml'), { uri: 'ci/my%20manifest%231.yaml', uriBaseId: 'SRCROOT' })
  assert.equal(loc('/repo/partner-drift.yaml'), { uri: 'file:///repo/partner-drift.yaml' })
})

sarif('invocation fails when a cluster could not be observed', () => {
  const ok = sarifOf(drift).invocations[0]
  assert.is(ok.executionSuccessful, true)
  assert.is(ok.exitCode, 2)
  assert.is(ok.toolExecutionNotifications, undefined)
  const failed = sarifOf(incomplete).invocations[0]
  assert.is(failed.executionSuccessful, false)
  assert.is(failed.exitCode, 1)
  assert.is(failed.toolExecutionNotifications?.length, 2)
})

sarif('a category per manifest, and at most 25,000 results a run (the failing ones first) with a note of the rest', () => {
  const log = JSON.parse(renderSarif(drift)) as { runs: Array<{ automationDetails: { id: string } }> }
  assert.is(log.runs[0]!.automationDetails.id, `partner-drift/${drift.manifest}/`)
  const one = findingOf(drift, 'missing')
  const many = Array.from({ length: MAX_RESULTS + 5 }, (_, i) => ({ ...one, fingerprint: `f${i}`, failing: i >= 5, severity: i >= 5 ? ('fail' as const) : ('warn' as const) }))
  const run = sarifOf({ ...drift, findings: many })
  assert.is(run.results.length, MAX_RESULTS)
  assert.ok(run.results.every((r) => r.level === 'error'), 'the 5 warnings are what is left out')
  assert.match(JSON.stringify(run.invocations[0]!.toolExecutionNotifications), '5 more findings are left out')
})

sarif.run()

// ---------------------------------------------------------------------------------------------

const junit = suite('junit')

async function junitOf(report: Report): Promise<TestSuites> {
  const xml = renderJunit(report)
  assert.is(XMLValidator.validate(xml), true)
  return (await parseJunit(xml)) as TestSuites
}

function caseNamed(suites: TestSuites, suiteName: string, name: string): TestCase {
  const found = suites.testsuite?.find((s) => s.name === suiteName)?.testcase?.find((c) => c.name === name)
  if (!found) throw new Error(`no test case ${suiteName} ${name}`)
  return found
}

function countsOf(s: TestSuites | TestSuite): unknown {
  return { tests: s.tests, failures: s.failures, errors: s.errors, skipped: (s as TestSuite).skipped }
}

junit('one suite per cluster, one case per expected integration and per extra or forbidden finding', async () => {
  const suites = await junitOf(drift)
  assert.equal(
    suites.testsuite?.map((s) => [s.name, s.testcase?.map((c) => `${c.classname} ${c.name}`)]),
    [
      ['123456789012/eu-west-1/analytics-prod', ['analytics-prod dev/Fivetran', 'analytics-prod dev/Datacoral', 'analytics-prod sales/Stitch', 'analytics-prod sales/Etleap', 'analytics-prod dev/Segment', 'analytics-prod marketing/Sisense']],
      ['123456789012/eu-west-1/analytics-staging', ['analytics-staging dev/Fivetran', 'analytics-staging scratch/Upsolver']],
      ['123456789012/us-east-1/reporting', ['reporting bi/Matillion']],
    ],
  )
})

junit('counts add up; failures carry the message and the kind; warnings pass', async () => {
  const suites = await junitOf(drift)
  assert.equal({ tests: suites.tests, failures: suites.failures, errors: suites.errors }, { tests: 9, failures: 6, errors: 0 })
  assert.equal(
    suites.testsuite?.map(countsOf),
    [
      { tests: 6, failures: 5, errors: 0, skipped: 0 },
      { tests: 2, failures: 0, errors: 0, skipped: 0 },
      { tests: 1, failures: 1, errors: 0, skipped: 0 },
    ],
  )
  const etleap = caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'sales/Etleap')
  assert.is(etleap.failure?.[0].type, 'missing')
  assert.is(etleap.failure?.[0].message, 'not integrated; expected status Active')
  assert.match(etleap.failure?.[0].inner ?? '', /aws redshift add-partner/)
  const fivetran = caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'dev/Fivetran')
  assert.is(fivetran.failure?.[0].message, 'status RuntimeFailure, expected Active; status message: "Sync failed: password authentication failed for user fivetran"')
  const upsolver = caseNamed(suites, '123456789012/eu-west-1/analytics-staging', 'scratch/Upsolver')
  assert.is(upsolver.failure, undefined)
  assert.match(upsolver['system-out']?.[0] ?? '', /^extra \(warning\)/)
  assert.is(caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'dev/Datacoral').failure, undefined)
})

junit('reads each verdict from the report: a finding the report does not mark failing is no failure', async () => {
  const accepted: Report = { ...drift, findings: drift.findings.map((f) => ({ ...f, failing: false })) }
  const suites = await junitOf(accepted)
  assert.equal({ failures: suites.failures, errors: suites.errors }, { failures: 0, errors: 0 })
})

junit('a cluster that could not be observed is an error on each of its cases', async () => {
  const suites = await junitOf(incomplete)
  assert.equal({ tests: suites.tests, failures: suites.failures, errors: suites.errors }, { tests: 2, failures: 0, errors: 2 })
  const legacy = caseNamed(suites, '210987654321/us-west-2/legacy-etl', 'warehouse/Informatica')
  assert.is(legacy.error?.[0].type, 'error')
  assert.match(legacy.error?.[0].message ?? '', /UnauthorizedPartnerIntegration/)
  const noExpected = await junitOf({ ...incomplete, clusters: [{ ...incomplete.clusters[0], expected: [] }], findings: [incomplete.findings[1]] })
  assert.equal(noExpected.testsuite?.[0].testcase?.map((c) => [c.name, c.error?.length]), [['(cluster)', 1]])
})

junit('suppressed findings are skipped with their reason, exception findings get their own suite', async () => {
  const suites = await junitOf(withPolicyFindings())
  const sisense = caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'marketing/Sisense')
  assert.is(sisense.failure, undefined)
  assert.equal(sisense.skipped, [{ message: 'extra: excepted: BI trial until Q1 (owner data-platform, expires 2027-03-31)' }])
  assert.equal(caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'sales/Stitch').skipped, [{ message: 'stale: known (baseline): present in baseline report.json' }])
  assert.equal(countsOf(suites.testsuite![0]), { tests: 6, failures: 3, errors: 0, skipped: 2 })
  const expired = caseNamed(suites, '*/*/analytics-*', 'Segment')
  assert.is(expired.failure?.[0].type, 'expired-exception')
  const unused = caseNamed(suites, '*/*/*', '(cluster)')
  assert.is(unused.failure, undefined)
  assert.equal({ tests: suites.tests, failures: suites.failures, errors: suites.errors }, { tests: 11, failures: 5, errors: 0 })
})

junit('attributes and text survive quotes and markup; line breaks and control characters are shown escaped', async () => {
  const message = `bad <tag> & "quotes" 'apostrophes'\nsecond line\ttab \u0001 ]]> end`
  const shown = `bad <tag> & "quotes" 'apostrophes'\\nsecond line\\ttab \\u0001 ]]> end`
  const report: Report = { ...drift, findings: [made({ kind: 'missing', database: 'dev', partner: 'Fivetran', message })] }
  const suites = await junitOf(report)
  const failure = caseNamed(suites, '123456789012/eu-west-1/analytics-prod', 'dev/Fivetran').failure![0]
  assert.is(failure.message, shown)
  // Parsers differ in normalising raw line breaks in attributes, so check the bytes too.
  assert.ok(renderJunit(report).includes(` message="bad &lt;tag&gt; &amp; &quot;quotes&quot; 'apostrophes'\\nsecond line\\ttab \\u0001 ]]&gt; end" `))
  assert.ok(failure.inner?.includes(shown))
})

junit.run()

// ---------------------------------------------------------------------------------------------

const markdown = suite('markdown')

function sectionsOf(md: string): string[] {
  return md.split(/^#### /m).slice(1)
}

markdown('headline and summary by outcome', () => {
  const md = renderMarkdown(drift)
  assert.ok(md.startsWith('### ❌ partner-drift: drift\n'))
  assert.ok(md.includes('**6 failing**, 1 warning, 0 excepted or known · '))
  assert.match(md, /2 missing, 2 extra, 1 forbidden, 1 unhealthy, 1 stale/)
  assert.match(md, /2 of 6 expected integrations in sync on 3 clusters/)
  assert.ok(renderMarkdown(incomplete).startsWith('### ⚠️ partner-drift: incomplete: 2 clusters could not be observed\n'))
  const clean = renderMarkdown({ ...drift, outcome: 'in-sync', findings: [] })
  assert.ok(clean.startsWith('### ✅ partner-drift: in sync\n'))
  assert.is(sectionsOf(clean).length, 0)
  assert.match(clean, /✅ In sync: `analytics-prod`/)
})

markdown('one table per cluster with findings, one row per finding, fixes collapsed', () => {
  const sections = sectionsOf(renderMarkdown(drift))
  assert.equal(
    sections.map((s) => s.split('\n')[0]),
    ['`analytics-prod` · account `123456789012` · `eu-west-1`', '`analytics-staging` · account `123456789012` · `eu-west-1`', '`reporting` · account `123456789012` · `us-east-1`'],
  )
  assert.equal(
    sections.map((s) => (s.match(/^\| \| Kind \| Database \| Partner \| Detail \| Manifest \|$/gm) ?? []).length),
    [1, 1, 1],
  )
  assert.equal(
    sections.map((s) => (s.match(/^\| (❌|⚠️|🔕) \|/gm) ?? []).length),
    [5, 1, 1],
  )
  const prod = sections[0]
  assert.match(prod, /^\| ❌ \| missing \| sales \| Etleap \| not integrated; expected status Active \| `examples\/partner-drift\.yaml:23:13` \|$/m)
  assert.match(prod, /<details><summary>How to fix \(5\)<\/summary>\n\n/)
  assert.match(prod, /```sh\naws redshift add-partner --account-id 123456789012 --cluster-identifier analytics-prod --database-name sales --partner-name Etleap --region eu-west-1\n```/)
  assert.match(prod, /```hcl\nresource "aws_redshift_partner" "analytics_prod_sales_etleap" \{/)
  assert.match(sections[1], /^\| ⚠️ \| extra \| scratch \| Upsolver \|/m)
})

markdown('cells escape pipes and markup; suppressed findings are marked', () => {
  const md = renderMarkdown({
    ...drift,
    summary: { ...drift.summary, missing: 0, extra: 0, forbidden: 0, unhealthy: 1, stale: 0, errors: 0, failing: 1, warnings: 0, excepted: 1, known: 0 },
    findings: [
      made({ kind: 'unhealthy', database: 'dev', partner: 'Fivetran', message: 'a | b *c* <script> `x`\nnext [link](y)', location: { file: MANIFEST, line: 17, column: 13 } }),
      made({ kind: 'extra', database: 'dev', partner: 'Segment', suppressed: { by: 'exception', reason: 'trial', owner: 'bi' } }),
    ],
  })
  const row = md.split('\n').find((l) => l.startsWith('| ❌ | unhealthy'))!
  assert.is(row, '| ❌ | unhealthy | dev | Fivetran | a \\| b \\*c\\* &lt;script&gt; \\`x\\`\\\\nnext \\[link\\](y) | `examples/partner-drift.yaml:17:13` |')
  assert.is(row.split(/(?<!\\)\|/).length - 2, 6, 'still six cells')
  assert.match(md, /^\| 🔕 \| extra \| dev \| Segment \| excepted: trial \(owner bi\) — extra finding \|/m)
  assert.ok(md.includes('**1 failing**, 0 warnings, 1 excepted or known · 1 unhealthy · '))
})

markdown("stays within GitHub's comment limit, saying what was left out", () => {
  const findings = Array.from({ length: 3000 }, (_, i) =>
    made({ kind: 'missing', database: `db${i}`, partner: `Partner${i}`, message: `not integrated; expected status Active (${'x'.repeat(40)})`, location: { file: MANIFEST, line: i + 1, column: 1 } }),
  )
  const md = renderMarkdown({ ...drift, findings })
  assert.ok(md.length <= GITHUB_MARKDOWN_LIMIT, `length ${md.length}`)
  assert.ok(md.length > GITHUB_MARKDOWN_LIMIT - 1000, 'uses the room it has')
  const shown = (md.match(/^\| ❌ \|/gm) ?? []).length
  assert.ok(shown > 100 && shown < 3000)
  assert.ok(md.includes(`fixes are not shown and ${3000 - shown} findings are left out`))
  assert.not.match(md, /<details>/)
  const fewer = findings.slice(0, 250)
  const withoutFixes = renderMarkdown({ ...drift, findings: fewer })
  assert.ok(withoutFixes.length <= GITHUB_MARKDOWN_LIMIT)
  assert.is((withoutFixes.match(/^\| ❌ \|/gm) ?? []).length, 250, 'every row kept when dropping the fixes is enough')
  assert.match(withoutFixes, /fixes are not shown\. /)
})

markdown('an estate of thousands of clusters in sync: every finding is shown, and as many of the clusters in sync as the rest of the room allows', () => {
  const quiet = Array.from({ length: 5000 }, (_, i) => ({ ...drift.clusters[0]!, cluster: `quiet-${String(i).padStart(4, '0')}` }))
  const md = renderMarkdown({ ...drift, clusters: [...drift.clusters, ...quiet] })
  assert.ok(md.length <= GITHUB_MARKDOWN_LIMIT, `length ${md.length}`)
  assert.ok(md.length > GITHUB_MARKDOWN_LIMIT - 200, 'uses the room it has')
  assert.is((md.match(/^\| (❌|⚠️|🔕) \|/gmu) ?? []).length, drift.findings.length, 'every finding row')
  assert.match(md, /fixes are not shown\. /)
  const line = md.split('\n').find((l) => l.startsWith('✅ In sync'))!
  const listed = line.match(/`quiet-\d{4}`/g) ?? []
  assert.ok(listed.length > 100, `${listed.length} listed`)
  assert.equal(listed.slice(0, 2), ['`quiet-0000`', '`quiet-0001`'], 'in the order of the manifest')
  const clustersInSync = 5000 + drift.clusters.filter((c) => !drift.findings.some((f) => f.cluster === c.cluster)).length
  assert.ok(line.startsWith(`✅ In sync (${clustersInSync} clusters): `), line.slice(0, 80))
  assert.ok(line.endsWith(`, … and ${clustersInSync - (line.match(/`[^`]+` \(/g) ?? []).length} more`), line.slice(-80))
})

markdown('a text is left as it is only when it holds nothing the escaping acts on', () => {
  // Each alone, so that a quick test that missed one would let it through.
  for (const trigger of ['&', '<', '>', '\\', '`', '*', '_', '~', '[', ']', '|', '#', '$', '@', '://', 'www.', 'WWW.', '\n', '\u202e', '\u0085']) {
    assert.is.not(escapeText(`a${trigger}b`), `a${trigger}b`, JSON.stringify(trigger))
  }
  for (const plain of ['analytics-prod', '123456789012, eu-west-1', 'ventes été', 'not integrated; expected status Active']) assert.is(escapeText(plain), plain)
  for (const trigger of ['`', '|', '\n', '\u202e']) assert.is.not(code(`a${trigger}b`), `\`a${trigger}b\``, JSON.stringify(trigger))
  assert.is(code('analytics-prod'), '`analytics-prod`')
})

markdown.run()

// ---------------------------------------------------------------------------------------------

const github = suite('github')

const COMMAND = /^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)$/

github('one workflow command per finding, located in the manifest', () => {
  const lines = renderGithubAnnotations(drift).trimEnd().split('\n')
  assert.is(lines.length, drift.findings.length)
  for (const line of lines) assert.match(line, COMMAND)
  const etleap = lines.find((l) => l.includes('sales/Etleap'))!.match(COMMAND)!
  assert.equal(etleap.slice(1, 5), ['error', MANIFEST, '23', '13'])
  assert.is(etleap[5], 'partner-drift missing%3A 123456789012/eu-west-1/analytics-prod/sales/Etleap')
  assert.ok(etleap[6].startsWith('not integrated; expected status Active%0AFix: Integrate Etleap'))
  assert.ok(etleap[6].endsWith('%0Aaws redshift add-partner --account-id 123456789012 --cluster-identifier analytics-prod --database-name sales --partner-name Etleap --region eu-west-1'))
  assert.is(lines.find((l) => l.includes('scratch/Upsolver'))!.match(COMMAND)![1], 'warning')
})

github('suppressed findings are notices; findings without an entry point at line 1', () => {
  const lines = renderGithubAnnotations(withPolicyFindings()).trimEnd().split('\n')
  const sisense = lines.find((l) => l.includes('marketing/Sisense'))!
  assert.ok(sisense.startsWith('::notice '))
  assert.ok(sisense.includes('::excepted: BI trial until Q1 (owner data-platform, expires 2027-03-31) — integrated (status Active) but not declared%0A'))
  assert.ok(lines.find((l) => l.includes('sales/Stitch'))!.startsWith('::notice '))
  const unused = lines.find((l) => l.includes('unused-exception'))!.match(COMMAND)!
  assert.equal(unused.slice(1, 5), ['warning', MANIFEST, '1', '1'])
})

github('escaping :: newline, carriage return, comma, colon and percent', () => {
  assert.is(escapeData('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext: a, b')
  assert.is(escapeProperty('50% done\r\nnext: a, b'), '50%25 done%0D%0Anext%3A a%2C b')
  // Without its fix, so that the expected line stays short.
  const { remediation: _, ...finding } = made({ kind: 'error', cluster: 'c,1', message: 'line one: 100%\nline two, end', location: { file: 'dir,x/m:1.yaml', line: 3, column: 5 } })
  const line = renderGithubAnnotations({ ...drift, findings: [finding as ReportedFinding] })
  // A line break inside a message is shown escaped, like everywhere else: only the renderer's own lines are %0A.
  assert.is(line, '::error file=dir%2Cx/m%3A1.yaml,line=3,col=5,title=partner-drift error%3A 123456789012/eu-west-1/c%2C1::line one: 100%25\\nline two, end\n')
})

github.run()
