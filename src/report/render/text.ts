import type { Finding, FindingKind } from '../../diff/compute-findings.js'
import { exitCodeFor, type Report } from '../report.js'

export interface TextOptions {
  color: boolean
}

const SYMBOL: Record<FindingKind, string> = { missing: '+', extra: '-', forbidden: '-', unhealthy: '~', stale: '~', error: '!' }
const CODES = { red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], bold: [1, 22], dim: [2, 22] } as const
type Style = keyof typeof CODES

/** A `terraform plan`-like report: grouped by cluster and database, one line per finding, then a summary. */
export function renderText(report: Report, options: TextOptions): string {
  const paint = (style: Style, text: string): string => (options.color ? `\u001B[${CODES[style][0]}m${text}\u001B[${CODES[style][1]}m` : text)
  const styleOf = (f: Finding): Style => (f.severity === 'warn' ? 'yellow' : f.kind === 'missing' ? 'green' : f.kind === 'unhealthy' || f.kind === 'stale' ? 'yellow' : 'red')
  const lines: string[] = []
  lines.push(`partner-drift: ${report.manifest} against source ${report.source}`, '')

  const byCluster = new Map<string, Finding[]>()
  for (const finding of report.findings) {
    const key = `${finding.accountId} ${finding.region} ${finding.cluster}`
    byCluster.set(key, [...(byCluster.get(key) ?? []), finding])
  }
  if (byCluster.size === 0) lines.push(paint('green', `  No drift: every declared integration is present and healthy.`), '')

  for (const findings of byCluster.values()) {
    const { cluster, accountId, region } = findings[0]
    lines.push(`  ${paint('bold', `cluster ${cluster}`)} ${paint('dim', `(account ${accountId}, ${region})`)}`)
    let database: string | undefined
    for (const finding of findings) {
      if (finding.database !== undefined && finding.database !== database) {
        database = finding.database
        lines.push(`    database ${database}`)
      }
      const indent = finding.database === undefined ? '    ' : '      '
      const label = `${finding.kind}${finding.severity === 'warn' ? ' (warning)' : ''}`
      const subject = finding.partner ? `${finding.partner} ` : ''
      const where = finding.location ? paint('dim', `  [${finding.location.file}:${finding.location.line}:${finding.location.column}]`) : ''
      lines.push(`${indent}${paint(styleOf(finding), `${SYMBOL[finding.kind]} ${subject}${label}`)}: ${finding.message}${where}`)
      if (finding.cause?.hint) lines.push(`${indent}    hint: ${finding.cause.hint}`)
    }
    lines.push('')
  }

  const s = report.summary
  const counts = (['missing', 'extra', 'forbidden', 'unhealthy', 'stale'] as const).map((k) => `${s[k]} ${k}`)
  counts.push(`${s.errors} ${s.errors === 1 ? 'error' : 'errors'}`)
  lines.push(
    `Summary: ${counts.join(', ')}${s.warnings ? ` (${s.warnings} warning${s.warnings === 1 ? '' : 's'})` : ''}; ` +
      `${s.clusters} cluster${s.clusters === 1 ? '' : 's'} checked, ${s.inSync} of ${s.expected} expected integrations in sync.`,
  )
  if (report.stats) {
    const st = report.stats
    const extra = [st.apiCalls !== undefined ? `${st.apiCalls} API calls` : '', st.retries ? `${st.retries} retries` : '', st.throttled ? `${st.throttled} throttled` : '']
      .filter(Boolean)
      .join(', ')
    lines.push(paint('dim', `Fetched ${st.clusters} cluster${st.clusters === 1 ? '' : 's'} from ${st.source} in ${st.elapsedMs} ms${extra ? ` (${extra})` : ''}.`))
  }
  const outcome = { 'in-sync': paint('green', 'in sync'), drift: paint('red', 'drift'), incomplete: paint('red', 'incomplete: some clusters could not be observed') }[report.outcome]
  lines.push(`Outcome: ${outcome} (exit ${exitCodeFor(report)})`)
  return lines.join('\n') + '\n'
}
