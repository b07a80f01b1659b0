import type { Finding } from '../../diff/compute-findings.js'
import type { Remediation } from '../remediation.js'
import type { Report } from '../report.js'
import { clusterNameOf, DESCRIBED_KINDS, describeSuppression, isFailing } from './finding-kinds.js'

/** GitHub refuses longer pull-request comments and job summaries. */
export const GITHUB_MARKDOWN_LIMIT = 65_536

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
  const head = [`### ${headline(report)}`, '', summaryLine(report), '']
  const sections = groupByCluster(report).map(section)
  const inSync = report.clusters.filter((c) => !report.findings.some((f) => sameCluster(f, c)))
  const tail = inSync.length ? [`✅ In sync: ${inSync.map((c) => `${code(c.cluster)} (${escapeText(`${c.accountId}, ${c.region}`)})`).join(', ')}`, ''] : []

  const full = [...head, ...sections.flatMap((s) => [s.heading, '', ...tableOf(s.rows), '', s.details, '']), ...tail].join('\n')
  if (full.length <= GITHUB_MARKDOWN_LIMIT) return full

  const note = (omitted: number): string =>
    `> [!NOTE]\n> Shortened to fit GitHub's ${GITHUB_MARKDOWN_LIMIT.toLocaleString('en-US')}-character limit: fixes are not shown` +
    `${omitted ? ` and ${omitted} finding${omitted === 1 ? ' is' : 's are'} left out` : ''}. The JSON and SARIF reports have everything.\n`
  // Reserve room for the longest note so that adding it never pushes the result over the limit.
  let budget = GITHUB_MARKDOWN_LIMIT - note(report.findings.length).length - tail.join('\n').length - 1
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
  return [...lines, ...tail, note(omitted)].join('\n')
}

function headline(report: Report): string {
  if (report.outcome !== 'incomplete') return HEADLINE[report.outcome]
  const unobserved = report.clusters.filter((c) => c.observation === 'error').length
  return `${HEADLINE.incomplete}: ${unobserved} cluster${unobserved === 1 ? '' : 's'} could not be observed`
}

function summaryLine(report: Report): string {
  const failing = report.findings.filter(isFailing).length
  const suppressed = report.findings.filter((f) => f.suppressed).length
  const warnings = report.findings.filter((f) => f.severity === 'warn' && !f.suppressed).length
  const byKind = new Map<string, number>(DESCRIBED_KINDS.map((kind) => [kind, 0]))
  // Suppressed findings are counted once, as excepted or known, like the JSON summary does.
  for (const f of report.findings) if (!f.suppressed) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1)
  const kinds = [...byKind].filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`).join(', ')
  const s = report.summary
  return [
    `**${failing} failing**, ${warnings} warning${warnings === 1 ? '' : 's'}, ${suppressed} excepted or known`,
    ...(kinds ? [escapeText(kinds)] : []),
    `${s.inSync} of ${s.expected} expected integrations in sync on ${s.clusters} cluster${s.clusters === 1 ? '' : 's'}`,
    `manifest ${code(report.manifest)}, source ${code(report.source)}`,
  ].join(' · ')
}

function sameCluster(f: Finding, c: { accountId: string; region: string; cluster: string }): boolean {
  return f.accountId === c.accountId && f.region === c.region && f.cluster === c.cluster
}

/** In the order of the manifest; findings about no declared cluster (exceptions with patterns) after them. */
function groupByCluster(report: Report): Finding[][] {
  const groups = new Map<string, Finding[]>()
  for (const c of report.clusters) groups.set(clusterNameOf(c), [])
  for (const f of report.findings) {
    const key = clusterNameOf(f)
    groups.set(key, [...(groups.get(key) ?? []), f])
  }
  return [...groups.values()].filter((g) => g.length > 0)
}

function section(findings: Finding[]): ClusterSection {
  const { cluster, accountId, region } = findings[0]
  const heading = `#### ${code(cluster)} · account ${code(accountId)} · ${code(region)}`
  const rows = findings.map((f) => {
    const where = f.location ? code(`${f.location.file}:${f.location.line}:${f.location.column}`) : ''
    return `| ${icon(f)} | ${escapeText(f.kind)} | ${escapeText(f.database ?? '')} | ${escapeText(f.partner ?? '')} | ${escapeText(detail(f))} | ${where} |`
  })
  const fixes = findings.filter((f) => f.remediation)
  const details = [
    `<details><summary>How to fix (${fixes.length})</summary>`,
    '',
    ...fixes.flatMap((f) => [fixOf(f, f.remediation as Remediation), '']),
    '</details>',
  ].join('\n')
  return { heading, rows, details }
}

function tableOf(rows: string[]): string[] {
  return ['| | Kind | Database | Partner | Detail | Manifest |', '|:-:|---|---|---|---|---|', ...rows]
}

function icon(f: Finding): string {
  return f.suppressed ? '🔕' : f.severity === 'warn' ? '⚠️' : '❌'
}

function detail(f: Finding): string {
  const suppression = f.suppressed
  return suppression ? `${describeSuppression(suppression)} — ${f.message}` : f.message
}

function fixOf(f: Finding, r: Remediation): string {
  const subject = [f.database, f.partner].filter((part) => part !== undefined).join('/')
  const parts = [`${icon(f)} **${escapeText(f.kind)}**${subject ? ` ${code(subject)}` : ''}: ${escapeText(r.summary)}`]
  for (const block of remediationBlocks(r)) parts.push(markdownFence(block.body, block.language))
  return parts.join('\n\n')
}

/** The remediation's copy-paste parts, each with the language a fenced block should highlight it as. */
export function remediationBlocks(r: Remediation): Array<{ language: string; body: string }> {
  const blocks: Array<{ language: string; body: string }> = []
  if (r.commands?.length) blocks.push({ language: 'sh', body: r.commands.join('\n') })
  if (r.terraform) blocks.push({ language: 'hcl', body: r.terraform })
  if (r.manifest) blocks.push({ language: 'yaml', body: r.manifest })
  return blocks
}

/** A fenced block that no run of backticks inside the body can close early. */
export function markdownFence(body: string, language: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(Math.max(3, longest + 1))
  return `${ticks}${language}\n${body}\n${ticks}`
}

/**
 * Text that renders as itself in a GitHub table cell or paragraph: one line, markup characters
 * backslash-escaped (`|` included: GFM splits cells before anything else), HTML turned into entities.
 */
export function escapeText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_~[\]|#]/g, '\\$&')
}

/** A code span whatever the text holds; `|` is still escaped because tables split on it even inside code. */
function code(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, ' ')
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${oneLine.replace(/\|/g, '\\|')}${pad}${ticks}`
}
