import { clusterKey } from '../../model/cluster.js'
import { FINDING_KIND_INFO, FINDING_KINDS } from '../../model/finding-kinds.js'
import type { Remediation, ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import { escapeControl, hasControl } from '../../untrusted-text.js'
import { describeLastChange, describeSuppression, describeWouldBeSuppressed, groupByCluster, subjectOf } from './finding-text.js'
import { CHANGE_MARK, REVIEW_STATE_LABEL, reviewLead } from './review-text.js'

/** GitHub refuses longer pull-request comments and job summaries. */
export const GITHUB_MARKDOWN_LIMIT = 65_536
/** `65,536`: written without `toLocaleString`, whose first call loads ICU's number formats (about 20 ms). */
const LIMIT_WRITTEN = String(GITHUB_MARKDOWN_LIMIT).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

const HEADLINE: Record<Report['outcome'], string> = {
  'in-sync': '✅ partner-drift: in sync',
  drift: '❌ partner-drift: drift',
  incomplete: '⚠️ partner-drift: incomplete',
}

interface ClusterSection {
  heading: string
  rows: string[]
  details: string
}

/**
 * A pull-request comment or job summary: a headline, one table per cluster with findings,
 * the fixes collapsed under each table. Stays under GitHub's size limit by dropping the
 * fixes first and then table rows, saying so.
 */
export function renderMarkdown(report: Report): string {
  const head = [`### ${headline(report)}`, '', ...reviewHead(report), summaryLine(report), '', ...coverageTable(report)]
  const sections = findingsByCluster(report).map(section)
  const withFindings = new Set(report.findings.map(clusterKey))
  const inSync = report.clusters.filter((c) => !withFindings.has(clusterKey(c))).map((c) => `${code(c.cluster)} (${escapeText(`${c.accountId}, ${c.region}`)})`)
  const resolved = resolvedTable(report)
  const tail = [...resolved, ...(inSync.length ? [`✅ In sync: ${inSync.join(', ')}`, ''] : [])]

  const full = [...head, ...sections.flatMap((s) => [s.heading, '', ...tableOf(s.rows), '', s.details, '']), ...tail].join('\n')
  if (full.length <= GITHUB_MARKDOWN_LIMIT) return full

  const note = (omitted: number): string =>
    `> [!NOTE]\n> Shortened to fit GitHub's ${LIMIT_WRITTEN}-character limit: fixes are not shown` +
    `${omitted ? ` and ${omitted} finding${omitted === 1 ? ' is' : 's are'} left out` : ''}. The JSON and SARIF reports have everything.\n`
  // Findings come before the clusters in sync, which an estate has thousands of: the in-sync line
  // gets only the room the findings leave, and at least their count (`inSyncLine(0)`).
  const inSyncLine = (room: number): string[] => {
    if (inSync.length === 0) return []
    const more = (shown: number) => (shown < inSync.length ? `${shown ? ',' : ''} … and ${inSync.length - shown} more` : '')
    const count = `${inSync.length} cluster${inSync.length === 1 ? '' : 's'}`
    let line = `✅ In sync (${count}):`
    let shown = 0
    while (shown < inSync.length && line.length + inSync[shown]!.length + 2 + more(shown + 1).length <= room) line += `${shown ? ',' : ''} ${inSync[shown++]}`
    return [shown ? line + more(shown) : `✅ In sync: ${count}`, '']
  }
  const shortInSync = inSyncLine(0)
  // Reserve room for the longest note so that adding it never pushes the result over the limit.
  let budget = GITHUB_MARKDOWN_LIMIT - note(report.findings.length).length - [...resolved, ...shortInSync].join('\n').length - 1
  const lines = [...head]
  budget -= lines.join('\n').length
  let omitted = 0
  for (const s of sections) {
    const opening = [s.heading, '', ...tableOf([])]
    const openingSize = opening.join('\n').length + 1
    let shown = 0
    for (const row of s.rows) {
      const cost = row.length + 1 + (shown === 0 ? openingSize : 0)
      if (cost > budget) {
        omitted += s.rows.length - shown
        break
      }
      if (shown === 0) lines.push(...opening)
      lines.push(row)
      budget -= cost
      shown++
    }
    if (shown > 0) {
      lines.push('')
      budget -= 1
    }
  }
  return [...lines, ...resolved, ...inSyncLine(budget + (shortInSync[0]?.length ?? 0)), note(omitted)].join('\n')
}

function headline(report: Report): string {
  if (report.outcome !== 'incomplete') return HEADLINE[report.outcome]
  // One error finding per declared cluster that could not be observed; errors are never accepted or switched off.
  const unobserved = report.summary.errors
  return `${HEADLINE.incomplete}: ${unobserved} cluster${unobserved === 1 ? '' : 's'} could not be observed`
}

/** The summary's kind counts under the names findings use, in the order of the registry. */
const SUMMARY_KINDS = FINDING_KINDS.map((kind) => [FINDING_KIND_INFO[kind].summaryKey, kind] as const)

/** Every count comes from the report's summary: the verdict is made once, when the report is built. */
function summaryLine(report: Report): string {
  const s = report.summary
  const suppressed = s.excepted + s.known
  const kinds = SUMMARY_KINDS.filter(([field]) => s[field] > 0)
    .map(([field, kind]) => `${s[field]} ${kind}`)
    .join(', ')
  return [
    `**${s.failing} failing**, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${suppressed} excepted or known`,
    ...(kinds ? [escapeText(kinds)] : []),
    `${s.inSync} of ${s.expected} expected integrations in sync on ${s.clusters} cluster${s.clusters === 1 ? '' : 's'}`,
    `manifest ${code(report.manifest)}, source ${code(report.source)}`,
    ...(report.audit ? ['**audit**: exceptions and the baseline accept nothing'] : []),
  ].join(' · ')
}

/** With discovery: how much of what was found the manifest covers, per account and region. */
function coverageTable(report: Report): string[] {
  const c = report.coverage
  if (!c) return []
  const row = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`
  return [
    '| account | region | clusters | by rules | by entries | unmanaged | unmanaged with integrations |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...c.scopes.map((s) =>
      row([code(s.accountId), code(s.region), ...(s.discovered ? [s.clusters, s.byRules, s.byEntries, s.unmanaged, s.unmanagedWithIntegrations] : ['not looked at', '', '', '', ''])]),
    ),
    row(['**all**', '', c.clusters, c.byRules, c.byEntries, c.unmanaged, c.unmanagedWithIntegrations]),
    '',
  ]
}

/** In the order of the manifest; findings about no declared cluster (exceptions with patterns) after them. */
function findingsByCluster(report: Report): ReportedFinding[][] {
  const groups = new Map<string, ReportedFinding[]>()
  for (const c of report.clusters) groups.set(clusterKey(c), [])
  return [...groupByCluster(report.findings, groups).values()].filter((g) => g.length > 0)
}

function section(findings: ReportedFinding[]): ClusterSection {
  const { cluster, accountId, region } = findings[0]
  const heading = `#### ${code(cluster)} · account ${code(accountId)} · ${code(region)}`
  const rows = findings.map((f) => {
    const where = f.location ? code(`${f.location.file}:${f.location.line}:${f.location.column}`) : ''
    return `| ${icon(f)} | ${escapeText(f.kind)} | ${escapeText(f.database ?? '')} | ${escapeText(f.partner ?? '')} | ${escapeText(detail(f))} | ${where} |`
  })
  const details = [
    `<details><summary>How to fix (${findings.length})</summary>`,
    '',
    ...findings.flatMap((f) => [fixOf(f, f.remediation), '']),
    '</details>',
  ].join('\n')
  return { heading, rows, details }
}

function tableOf(rows: string[]): string[] {
  return ['| | Kind | Database | Partner | Detail | Manifest |', '|:-:|---|---|---|---|---|', ...rows]
}

function icon(f: ReportedFinding): string {
  return f.suppressed ? '🔕' : f.severity === 'warn' ? '⚠️' : '❌'
}

function detail(f: ReportedFinding): string {
  const suppression = f.suppressed
  // In a review, whether the change brought the finding comes first: it is what decides the verdict.
  const first = suppression ? `${describeSuppression(suppression)} — ${f.message}` : f.reviewState ? `${REVIEW_STATE_LABEL[f.reviewState]} — ${f.message}` : f.message
  return [
    first,
    ...(f.wouldBeSuppressed ? [describeWouldBeSuppressed(f.wouldBeSuppressed)] : []),
    ...(f.lastChange ? [describeLastChange(f.lastChange)] : []),
  ].join(' — ')
}

/** Rows a review table shows at most; the JSON report has every one. */
const REVIEW_TABLE_ROWS = 50

/** A review leads with the change: the sentence, then a table of the expectations it adds, removes and changes. */
function reviewHead(report: Report): string[] {
  const review = report.review
  if (!review) return []
  const lead = [`**${escapeText(reviewLead({ ...report, review }))}**`, '', `Compared with ${code(review.base, { inTable: false })}; reality observed once for both.`, '']
  if (review.changes.length === 0) return lead
  const rows = review.changes.slice(0, REVIEW_TABLE_ROWS).map((c) => `| ${CHANGE_MARK[c.change]} | ${escapeText(c.change)} | ${escapeText(c.subject)} | ${escapeText(c.message)} | ${code(`${c.location.file}:${c.location.line}:${c.location.column}`)} |`)
  const more = review.changes.length - rows.length
  return [...lead, '| | Change | Of | Expectation | Manifest |', '|:-:|---|---|---|---|', ...rows, '', ...(more ? [`…and ${more} more expectation changes (the JSON report has every one).`, ''] : [])]
}

/** What the base found that the head no longer does. */
function resolvedTable(report: Report): string[] {
  const resolved = report.review?.resolved ?? []
  if (resolved.length === 0) return []
  const rows = resolved.slice(0, REVIEW_TABLE_ROWS).map((f) => {
    const where = f.location ? code(`${f.location.file}:${f.location.line}:${f.location.column}`) : ''
    return `| ✔️ | ${escapeText(f.kind)} | ${code(f.cluster)} | ${escapeText(f.database ?? '')} | ${escapeText(f.partner ?? '')} | ${escapeText(f.message)} | ${where} |`
  })
  const more = resolved.length - rows.length
  return [
    `#### Resolved by this change (${resolved.length})`,
    '',
    '| | Kind | Cluster | Database | Partner | Detail | Base |',
    '|:-:|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(more ? [`…and ${more} more (the JSON report has every one).`, ''] : []),
  ]
}

function fixOf(f: ReportedFinding, r: Remediation): string {
  const subject = subjectOf(f)
  const parts = [`${icon(f)} **${escapeText(f.kind)}**${subject ? ` ${code(subject)}` : ''}: ${escapeText(r.summary)}`]
  for (const block of remediationBlocks(r)) parts.push(markdownFence(block.body, block.language))
  return parts.join('\n\n')
}

/**
 * The remediation's copy-paste parts, each with the language a fenced block should highlight it as.
 * Blocks are multi-line by design, so each of their lines is made inert on its own; remediation
 * gives no block at all for a name it cannot express safely, this is the last line of defence.
 */
export function remediationBlocks(r: Remediation): Array<{ language: string; body: string }> {
  const blocks: Array<{ language: string; body: string }> = []
  const inert = (lines: string[]): string => lines.map(escapeControl).join('\n')
  if (r.commands?.length) blocks.push({ language: 'sh', body: inert(r.commands) })
  if (r.terraform) blocks.push({ language: 'hcl', body: inert(r.terraform.split('\n')) })
  if (r.manifest) blocks.push({ language: 'yaml', body: inert(r.manifest.split('\n')) })
  return blocks
}

/** A fenced block that no run of backticks inside the body can close early. */
export function markdownFence(body: string, language: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(Math.max(3, longest + 1))
  return `${ticks}${language}\n${body}\n${ticks}`
}

/**
 * Breaks a pattern GitHub acts on after rendering, so that it shows as text and does nothing. A
 * backslash or an entity would not do: mentions, issue references and autolinks are found in the
 * rendered text, where both have already turned back into the plain character.
 */
const ZERO_WIDTH_SPACE = '&#8203;'

/** What `escapeText` acts on besides control characters; without any of it, a text is left as it is. */
const MARKUP = /[&<>\\`*_~[\]|#$@]|:\/\/|www\./i

/**
 * Text that renders as itself in a GitHub table cell or paragraph, whatever a status message or a
 * name holds: one line (control characters shown escaped, as in every human-readable output),
 * HTML turned into entities, markup characters backslash-escaped (`|` included: GFM splits cells
 * before anything else; `[` so that no `[text](url)` or image is formed; `$` for math), and a
 * zero-width space after `@` (no mention pings anyone, no e-mail autolink), inside `://` and
 * `www.` (no URL autolink) and after a `#` before a digit (no issue cross-reference).
 */
export function escapeText(text: string): string {
  // Most names and messages hold none of it: one test instead of eight replacements (a report of
  // 10,000 clusters escapes each cluster's account and region).
  if (!hasControl(text) && !MARKUP.test(text)) return text
  return escapeControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_~[\]|#$]/g, '\\$&')
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
    .replace(/(www)\./gi, `$1${ZERO_WIDTH_SPACE}.`)
    .replace(/\\#(?=\d)/g, `\\#${ZERO_WIDTH_SPACE}`)
}

/**
 * A code span whatever the text holds: nothing in it is markup, a link or a mention. `|` is still
 * escaped because tables split on it even inside code.
 */
export function code(text: string, options: { inTable?: boolean } = { inTable: true }): string {
  if (!hasControl(text) && !/[`|]/.test(text)) return `\`${text}\``
  const oneLine = escapeControl(text)
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${options.inTable ? oneLine.replace(/\|/g, '\\|') : oneLine}${pad}${ticks}`
}
