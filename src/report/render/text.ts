import { FINDING_KIND_INFO, POLICY_KINDS } from '../../model/finding-kinds.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import { escapeControl as inert } from '../../untrusted-text.js'
import { describeLastChange, describeWouldBeSuppressed, groupByCluster, subjectOf } from './finding-text.js'
import { CHANGE_MARK, REVIEW_STATE_LABEL, reviewLead } from './review-text.js'

export interface TextOptions {
  color: boolean
  /** Full remediation (commands, Terraform, manifest lines) under each finding, not just its one-line summary. */
  explain?: boolean
}

const CODES = { red: [31, 39], green: [32, 39], yellow: [33, 39], bold: [1, 22], dim: [2, 22] } as const
type Style = keyof typeof CODES

/** Findings about an entry of the manifest (an exception, a rule) rather than a cluster's integrations. */
const isAboutEntry = (f: ReportedFinding): boolean => FINDING_KIND_INFO[f.kind].group !== 'integration'
const markOf = (f: ReportedFinding): string => FINDING_KIND_INFO[f.kind].symbol
/** Colour follows the mark, as in `terraform plan`: green to add, yellow to repair, red to remove or to act on. */
const MARK_STYLE: ReadonlyMap<string, Style> = new Map([
  ['+', 'green'],
  ['~', 'yellow'],
])

/**
 * A `terraform plan`-like report: grouped by cluster and database, one line per finding, then a summary.
 * Names, messages, reasons and file names come from manifests, snapshots and API answers: each passes
 * through `inert` before it is painted, so a control character in it can neither forge a line nor
 * drive the terminal; the only escape sequences in the output are the renderer's own colours.
 */
export function renderText(report: Report, options: TextOptions): string {
  return [...renderTextChunks(report, options)].join('')
}

/** The text of `renderText` in pieces, one per cluster, so that the report of a large estate is written as it is made. */
export function* renderTextChunks(report: Report, options: TextOptions): Generator<string> {
  const paint = (style: Style, text: string): string => (options.color ? `\u001B[${CODES[style][0]}m${text}\u001B[${CODES[style][1]}m` : text)
  const styleOf = (f: ReportedFinding): Style => (f.suppressed ? 'dim' : f.severity === 'warn' ? 'yellow' : (MARK_STYLE.get(markOf(f)) ?? 'red'))
  let lines: string[] = [`partner-drift: ${inert(report.manifest)} against source ${inert(report.source)}`, '']
  const review = report.review
  if (review) {
    // A review leads with what the change does: the sentence, then every expectation it adds, removes or changes.
    lines.push(`Review against ${inert(review.base)}: ${inert(reviewLead({ ...report, review }))}`, '')
    if (review.changes.length) lines.push(`  ${paint('bold', 'expectation changes')}`)
    for (const change of review.changes) {
      const style: Style = change.change === 'added' ? 'green' : change.change === 'removed' ? 'red' : 'yellow'
      lines.push(`    ${paint(style, `${CHANGE_MARK[change.change]} ${change.subject}`)}: ${inert(change.message)}${paint('dim', `  [${inert(change.location.file)}:${change.location.line}:${change.location.column}]`)}`)
    }
    if (review.changes.length) lines.push('')
  }
  if (report.audit) lines.push('  Audit: exceptions and the baseline accept nothing in this run; what they would accept fails and says so.', '')
  /** The lines so far, as one piece of the text. */
  const piece = (): string => {
    const text = lines.map((line) => `${line}\n`).join('')
    lines = []
    return text
  }

  const findingLines = (finding: ReportedFinding, indent: string): void => {
    // In a review, the suppression by the base already says `known`; every other finding says whether the change brought it.
    const state = finding.reviewState && finding.suppressed?.by !== 'base' ? REVIEW_STATE_LABEL[finding.reviewState] : ''
    const tags = [
      finding.severity === 'warn' ? 'warning' : '',
      finding.suppressed ? (finding.suppressed.by === 'exception' ? 'excepted' : 'known') : '',
      finding.wouldBeSuppressed ? `would be ${finding.wouldBeSuppressed.by === 'exception' ? 'excepted' : 'known'}` : '',
      state,
    ]
      .filter(Boolean)
      .join(', ')
    const label = `${markOf(finding)} ${finding.partner && !isAboutEntry(finding) ? `${inert(finding.partner)} ` : ''}${finding.kind}${tags ? ` (${tags})` : ''}`
    const where = finding.location ? paint('dim', `  [${inert(finding.location.file)}:${finding.location.line}:${finding.location.column}]`) : ''
    lines.push(`${indent}${paint(styleOf(finding), label)}: ${inert(finding.message)}${where}`)
    const more = `${indent}    `
    if (finding.suppressed) {
      const s = finding.suppressed
      const said = s.by === 'exception' ? `excepted: ${s.reason}${s.owner ? ` (owner ${s.owner})` : ''}${s.expires ? `, until ${s.expires}` : ''}` : s.reason
      lines.push(paint('dim', `${more}${inert(said)}`))
    }
    if (finding.wouldBeSuppressed) lines.push(`${more}${inert(describeWouldBeSuppressed(finding.wouldBeSuppressed))}`)
    if (finding.lastChange) lines.push(`${more}${inert(describeLastChange(finding.lastChange))}`)
    if (finding.cause?.hint) lines.push(`${more}hint: ${inert(finding.cause.hint)}`)
    const fix = finding.remediation
    if (!fix || finding.suppressed || finding.kind === 'error') return
    lines.push(`${more}fix: ${inert(fix.summary)}`)
    if (!options.explain) return
    for (const command of fix.commands ?? []) lines.push(`${more}  $ ${inert(command)}`)
    for (const [title, block] of [
      ['terraform', fix.terraform],
      ['or accept it in the manifest', fix.manifest],
    ] as const) {
      // Blocks are multi-line by design; each of their lines is made inert on its own.
      if (block) lines.push(`${more}${title}:`, ...block.trimEnd().split('\n').map((l) => `${more}  ${inert(l)}`))
    }
  }

  const drift = report.findings.filter((f) => !isAboutEntry(f))
  const byCluster = groupByCluster(drift)
  if (byCluster.size === 0) lines.push(paint('green', '  No drift: every declared integration is present and healthy.'), '')
  for (const findings of byCluster.values()) {
    const { cluster, accountId, region } = findings[0]
    lines.push(`  ${paint('bold', `cluster ${inert(cluster)}`)} ${paint('dim', `(account ${inert(accountId)}, ${inert(region)})`)}`)
    let database: string | undefined
    for (const finding of findings) {
      if (finding.database !== undefined && finding.database !== database) {
        database = finding.database
        lines.push(`    database ${inert(database)}`)
      }
      findingLines(finding, finding.database === undefined ? '    ' : '      ')
    }
    lines.push('')
    yield piece()
  }

  for (const group of ['exception', 'rule'] as const) {
    const about = report.findings.filter((f) => FINDING_KIND_INFO[f.kind].group === group)
    if (about.length === 0) continue
    lines.push(`  ${paint('bold', `${group}s`)}`)
    for (const finding of about) findingLines(finding, '    ')
    lines.push('')
  }

  if (review?.resolved.length) {
    lines.push(`  ${paint('bold', 'resolved by this change')} ${paint('dim', `(found under ${inert(review.base)}, not under this manifest)`)}`)
    for (const f of review.resolved) {
      const subject = subjectOf(f)
      const where = f.location ? paint('dim', `  [${inert(f.location.file)}:${f.location.line}:${f.location.column}]`) : ''
      lines.push(`    ${paint('green', `✓ ${f.kind}`)} ${inert(`${f.cluster}${subject ? `/${subject}` : ''}`)}: ${inert(f.message)}${where}`)
    }
    lines.push('')
  }

  const s = report.summary
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  // Every policy kind is counted even at 0; errors and exception findings are said their own way.
  // `unmanaged` is only ever found by discovery, so it is counted where discovery ran.
  const counts = POLICY_KINDS.filter((k) => k !== 'unmanaged' || report.coverage).map((k) => `${s[FINDING_KIND_INFO[k].summaryKey]} ${k}`)
  counts.push(plural(s.errors, 'error'))
  const accepted = [
    s.warnings ? plural(s.warnings, 'warning') : '',
    s.excepted ? `${s.excepted} excepted` : '',
    s.known ? `${s.known} known ${review ? 'before this change' : 'from the baseline'}` : '',
    s.expiredExceptions ? plural(s.expiredExceptions, 'expired exception') : '',
    s.expiringExceptions ? plural(s.expiringExceptions, 'exception') + ' expiring soon' : '',
    s.unusedExceptions ? plural(s.unusedExceptions, 'unused exception') : '',
    s.unusedRules ? plural(s.unusedRules, 'unused rule') : '',
  ].filter(Boolean)
  lines.push(
    `Summary: ${counts.join(', ')}${accepted.length ? ` (${accepted.join(', ')})` : ''}; ` +
      `${plural(s.clusters, 'cluster')} checked, ${s.inSync} of ${s.expected} expected integrations in sync.`,
  )
  if (report.coverage) {
    const c = report.coverage
    lines.push(
      `Coverage: ${plural(c.clusters, 'cluster')} discovered: ${c.byRules} covered by rules, ${c.byEntries} by clusters: entries, ${c.unmanaged} unmanaged (${c.unmanagedWithIntegrations} with integrations)` +
        `${c.scopes.some((scope) => !scope.discovered) ? `; ${plural(c.scopes.filter((scope) => !scope.discovered).length, 'account and region')} could not be looked at` : ''}.`,
    )
  }
  if (report.stats) {
    const st = report.stats
    const extra = [st.apiCalls !== undefined ? `${st.apiCalls} API calls` : '', st.retries ? `${st.retries} retries` : '', st.throttled ? `${st.throttled} throttled` : '']
      .filter(Boolean)
      .join(', ')
    lines.push(paint('dim', `Fetched ${plural(st.clusters, 'cluster')} from ${inert(st.source)} in ${st.elapsedMs} ms${extra ? ` (${extra})` : ''}.`))
    if (st.rates) lines.push(paint('dim', `Learned request rates: ${st.rates.map((r) => `${inert(r.accountId)}/${inert(r.region)} ${r.requestsPerSecond}/s`).join(', ')}.`))
  }
  const outcome = { 'in-sync': paint('green', 'in sync'), drift: paint('red', 'drift'), incomplete: paint('red', 'incomplete: some clusters could not be observed') }[report.outcome]
  lines.push(`Outcome: ${outcome} (exit ${report.exitCode})`)
  yield piece()
}
