import { clusterKey } from '../../model/cluster.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import { escapeControl, hasControl } from '../../untrusted-text.js'
import { describeLastChange, describeSuppression, describeWouldBeSuppressed, manifestLocationOf, subjectOf } from './finding-text.js'
import { REVIEW_STATE_LABEL, reviewLead } from './review-text.js'

/** Names the test case of findings that concern a cluster as a whole, not one integration. */
const CLUSTER_CASE = '(cluster)'

interface TestCase {
  name: string
  classname: string
  findings: ReportedFinding[]
}

interface TestSuite {
  name: string
  properties: Array<[string, string]>
  cases: TestCase[]
}

type TestCaseOutcome = { element: 'error' | 'failure'; findings: ReportedFinding[] } | { element: 'skipped'; findings: ReportedFinding[] } | undefined

/**
 * JUnit XML as CI test reports read it: one suite per cluster, one test case per expected
 * integration and per integration found that should not be there. A finding that fails the run
 * is a `<failure>`, a cluster that could not be observed an `<error>` on each of its cases,
 * an excepted or known finding a `<skipped>` with the reason; warnings pass, noted in `<system-out>`.
 */
export function renderJunit(report: Report): string {
  return [...renderJunitChunks(report)].join('')
}

/** The text of `renderJunit` in pieces, one per test suite (cluster), so that the report of a large estate is written as it is made. */
export function* renderJunitChunks(report: Report): Generator<string> {
  // Two passes over the suites, each made as it is needed: the totals come first in the document,
  // and the suites of a large estate (100,000 test cases) are never all held at once. One pass
  // that kept them measured 1.3-1.5x slower at 100,000 cases: kept, they survive into the old
  // generation, and copying them there costs more than making them twice. For the totals, only
  // the clusters findings are about get a suite; the test cases of the others all pass, and are counted.
  const counted = (suite: TestSuite) => {
    const outcomes = suite.cases.map((c) => outcomeOf(c.findings))
    const counts = { tests: suite.cases.length, failures: 0, errors: 0, skipped: 0 }
    for (const outcome of outcomes) {
      if (outcome?.element === 'failure') counts.failures++
      else if (outcome?.element === 'error') counts.errors++
      else if (outcome?.element === 'skipped') counts.skipped++
    }
    return { suite, outcomes, counts }
  }
  const findings = findingsByCluster(report)
  const review = reviewSuite(report)
  const totals = { tests: review?.cases.length ?? 0, failures: 0, errors: 0, skipped: 0 }
  for (const c of report.clusters) if (!findings.has(clusterKey(c))) totals.tests += caseNamesOf(c).size
  for (const suite of suitesOf(report, findings, { onlyWithFindings: true })) {
    const { counts } = counted(suite)
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += counts[key]
  }
  const time = report.stats ? (report.stats.elapsedMs / 1000).toFixed(3) : '0'
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attributes({ name: 'partner-drift', ...totals, time })}>\n`
  for (const { suite, outcomes, counts } of map(suitesOf(report, findings), counted)) {
    // One string added to, not lines joined: a suite per cluster, 10,000 of them in a large estate.
    let out = `  <testsuite${attributes({ name: suite.name, ...counts, time: '0' })}>\n    <properties>\n`
    for (const [name, value] of suite.properties) out += `      <property${attributes({ name, value })}/>\n`
    out += '    </properties>\n'
    // The cases of a suite have the cluster's name as their class: escaped once.
    const first = suite.cases[0]?.classname
    const classname = first === undefined ? '' : attribute(first)
    for (let i = 0; i < suite.cases.length; i++) {
      const c = suite.cases[i]!
      out += testCase(c, c.classname === first ? classname : attribute(c.classname), outcomes[i], report)
    }
    yield `${out}  </testsuite>\n`
  }
  if (review) {
    const lines = [
      `  <testsuite${attributes({ name: review.name, tests: review.cases.length, failures: 0, errors: 0, skipped: 0, time: '0' })}>`,
      '    <properties>',
      ...review.properties.map(([name, value]) => `      <property${attributes({ name, value })}/>`),
      '    </properties>',
      ...review.cases.map((c) => `    <testcase${attributes({ classname: review.name, name: c.name, time: '0' })}>\n      <system-out>${text(c.out.map(escapeControl).join('\n'))}</system-out>\n    </testcase>`),
      '  </testsuite>',
    ]
    yield lines.map((line) => `${line}\n`).join('')
  }
  yield '</testsuites>\n'
}

function* map<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item)
}

/** The report's findings by cluster key. */
function findingsByCluster(report: Report): Map<string, ReportedFinding[]> {
  const byCluster = new Map<string, ReportedFinding[]>()
  for (const f of report.findings) {
    const key = clusterKey(f)
    const list = byCluster.get(key)
    if (list) list.push(f)
    else byCluster.set(key, [f])
  }
  return byCluster
}

/** One suite per cluster, in the report's order, then one per cluster only findings name. */
function* suitesOf(report: Report, findingsOf: ReadonlyMap<string, ReportedFinding[]>, options: { onlyWithFindings?: boolean } = {}): Generator<TestSuite> {
  const caseIn = (suite: TestSuite, name: string, classname: string): TestCase => {
    let found = suite.cases.find((c) => c.name === name)
    if (!found) suite.cases.push((found = { name, classname, findings: [] }))
    return found
  }
  const withFindings = (suite: TestSuite): TestSuite => {
    for (const f of findingsOf.get(suite.name) ?? []) {
      // A cluster that could not be observed leaves every one of its integrations unchecked.
      if (f.kind === 'error' && f.database === undefined && suite.cases.length > 0) {
        for (const c of suite.cases) c.findings.push(f)
        continue
      }
      caseIn(suite, subjectOf(f) || CLUSTER_CASE, f.cluster).findings.push(f)
    }
    return suite
  }

  const seen = new Set<string>()
  for (const c of report.clusters) {
    const name = clusterKey(c)
    seen.add(name)
    if (options.onlyWithFindings && !findingsOf.has(name)) continue
    const suite: TestSuite = {
      name,
      properties: [
        ['accountId', c.accountId],
        ['region', c.region],
        ['cluster', c.cluster],
        ['observation', c.observation],
        ...(c.note !== undefined ? ([['note', c.note]] as Array<[string, string]>) : []),
        ['manifest', report.manifest],
        ['source', report.source],
      ],
      cases: [],
    }
    for (const caseName of caseNamesOf(c)) suite.cases.push({ name: caseName, classname: c.cluster, findings: [] })
    yield withFindings(suite)
  }
  for (const key of findingsOf.keys()) {
    if (!seen.has(key)) yield withFindings({ name: key, properties: [['manifest', report.manifest], ['source', report.source]], cases: [] })
  }
}

/** A test case per expected integration, named `database/partner`; one name written twice is one case. */
function caseNamesOf(c: Report['clusters'][number]): Set<string> {
  const names = new Set<string>()
  for (const e of c.expected) names.add(`${e.database}/${e.partner}`)
  return names
}

/** A test case has at most one outcome element, the most severe; the rest goes to `<system-out>`. */
function outcomeOf(findings: ReportedFinding[]): TestCaseOutcome {
  if (findings.length === 0) return undefined
  const failing = findings.filter((f) => f.failing)
  const errors = failing.filter((f) => f.kind === 'error')
  if (errors.length) return { element: 'error', findings: errors }
  if (failing.length) return { element: 'failure', findings: failing }
  const suppressed = findings.filter((f) => f.suppressed)
  if (suppressed.length) return { element: 'skipped', findings: suppressed }
  return undefined
}

/** The test case's lines, each ending in a line break; `classname` is its class, escaped. */
function testCase(c: TestCase, classname: string, outcome: TestCaseOutcome, report: Report): string {
  const open = `    <testcase classname="${classname}" name="${attribute(c.name)}" time="0"`
  if (c.findings.length === 0) return `${open}/>\n`
  const notes = c.findings.filter((f) => !outcome?.findings.includes(f))
  if (!outcome && notes.length === 0) return `${open}/>\n`
  let out = `${open}>\n`
  if (outcome?.element === 'skipped') {
    out += `      <skipped${attributes({ message: outcome.findings.map((f) => `${f.kind}: ${describeSuppression(f.suppressed!)}`).join('; ') })}/>\n`
  } else if (outcome) {
    // In a review, a failure says whether the change brought it: that is why it fails.
    const message = outcome.findings.map((f) => (f.reviewState && f.reviewState !== 'unchanged' ? `${REVIEW_STATE_LABEL[f.reviewState]}: ${f.message}` : f.message)).join('; ')
    const type = [...new Set(outcome.findings.map((f) => f.kind))].join(',')
    out += `      <${outcome.element}${attributes({ message, type })}>${text(outcome.findings.map((f) => details(f, report)).join('\n\n'))}</${outcome.element}>\n`
  }
  if (notes.length) out += `      <system-out>${text(notes.map((f) => details(f, report)).join('\n\n'))}</system-out>\n`
  return `${out}    </testcase>\n`
}

function details(f: ReportedFinding, report: Report): string {
  const suppression = f.suppressed
  const state = f.reviewState && !suppression ? ` (${REVIEW_STATE_LABEL[f.reviewState]})` : ''
  const label = (suppression ? ` (${describeSuppression(suppression)})` : f.severity === 'warn' ? ' (warning)' : '') + state
  const subject = subjectOf(f)
  const lines = [`${f.kind}${label}: ${clusterKey(f)}${subject ? `/${subject}` : ''}: ${f.message}`]
  const at = manifestLocationOf(f, report)
  lines.push(`manifest: ${at.file}:${at.line}:${at.column}`)
  if (f.wouldBeSuppressed) lines.push(describeWouldBeSuppressed(f.wouldBeSuppressed))
  if (f.lastChange) lines.push(describeLastChange(f.lastChange))
  if (f.cause?.hint) lines.push(`hint: ${f.cause.hint}`)
  const r = f.remediation
  if (r) {
    lines.push(`fix: ${r.summary}`)
    if (r.commands?.length) lines.push(...r.commands)
    if (r.terraform) lines.push('', ...r.terraform.split('\n'))
    if (r.manifest) lines.push('', ...r.manifest.split('\n'))
  }
  // CI shows this text in logs and web pages: every line is made inert on its own, and only the
  // line breaks this renderer means remain.
  return lines.map(escapeControl).join('\n')
}

function attributes(values: Record<string, string | number>): string {
  let out = ''
  for (const name in values) out += ` ${name}="${attribute(String(values[name]))}"`
  return out
}

/**
 * What `attribute` and `text` act on besides control characters (`hasControl`): `"`, `&`, `<`,
 * `>`, surrogates (a lone one is replaced; a pair takes the long way) and noncharacters. Almost no
 * value holds any (names, regions, statuses, `ventes_été`), and a report of 100,000 test cases has
 * hundreds of thousands of values: the escaping passes cost more than the rest of the renderer.
 */
const XML_SPECIAL = /["&<>\uD800-\uDFFF\uFFFE\uFFFF]/

/** Left as it is by `attribute` and `text`. */
function inert(value: string): boolean {
  return !hasControl(value) && !XML_SPECIAL.test(value)
}

/**
 * XML 1.0 cannot carry these at all, not even as character references. Everything from outside is
 * made inert before it gets here; this keeps the document well-formed whatever a caller passes.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function text(value: string): string {
  if (inert(value)) return value
  return value.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Attribute values are single lines (names, messages, reasons) shown by CI tools as they are:
 * control characters, line breaks included, are shown escaped like in every human-readable output.
 */
function attribute(value: string): string {
  if (inert(value)) return value
  return text(escapeControl(value)).replace(/"/g, '&quot;')
}

/**
 * In a review, one more suite: what the change does. Its properties are the review's counts; a
 * passing test case per expectation change and per resolved finding says what it is. Failures
 * stay in the clusters' suites, where they are.
 */
function reviewSuite(report: Report): { name: string; properties: Array<[string, string]>; cases: Array<{ name: string; out: string[] }> } | undefined {
  const review = report.review
  if (!review) return undefined
  return {
    name: 'partner-drift review',
    properties: [['base', review.base], ['summary', reviewLead({ ...report, review })], ...Object.entries(review.counts).map(([name, value]): [string, string] => [name, String(value)])],
    cases: [
      ...review.changes.map((c) => ({ name: `${c.change} ${c.subject}: ${c.message}`, out: [`${c.change} ${c.subject}: ${c.message}`, `manifest: ${c.location.file}:${c.location.line}:${c.location.column}`] })),
      ...review.resolved.map((f) => {
        const subject = subjectOf(f)
        const at = manifestLocationOf(f, report)
        return { name: `resolved ${f.kind}: ${clusterKey(f)}${subject ? `/${subject}` : ''}`, out: [`resolved by this change: ${f.kind}: ${f.message}`, `base: ${at.file}:${at.line}:${at.column}`] }
      }),
    ],
  }
}
