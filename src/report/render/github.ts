import { clusterKey } from '../../model/cluster.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import { escapeControl } from '../../untrusted-text.js'
import { describeLastChange, describeSuppression, describeWouldBeSuppressed, manifestLocationOf, subjectOf } from './finding-text.js'

/**
 * GitHub Actions workflow commands, one per finding, so that each finding is shown on its line
 * of the manifest in the pull request: `::error` for failing findings, `::warning` for warnings,
 * `::notice` for findings an exception or the baseline keeps from failing.
 */
export function renderGithubAnnotations(report: Report): string {
  return report.findings.map((f) => annotation(f, report)).join('')
}

function annotation(finding: ReportedFinding, report: Report): string {
  const suppression = finding.suppressed
  const command = suppression ? 'notice' : finding.severity === 'warn' ? 'warning' : 'error'
  const location = manifestLocationOf(finding, report)
  const subject = subjectOf(finding)
  const title = `partner-drift ${finding.kind}: ${clusterKey(finding)}${subject ? `/${subject}` : ''}`
  const properties = [
    `file=${escapeProperty(escapeControl(location.file.replace(/\\/g, '/')))}`,
    `line=${location.line}`,
    `col=${location.column}`,
    `title=${escapeProperty(escapeControl(title))}`,
  ].join(',')
  const lines = [suppression ? `${describeSuppression(suppression)} — ${finding.message}` : finding.message]
  if (finding.wouldBeSuppressed) lines.push(describeWouldBeSuppressed(finding.wouldBeSuppressed))
  if (finding.lastChange) lines.push(capitalize(describeLastChange(finding.lastChange)))
  if (finding.remediation) lines.push(`Fix: ${finding.remediation.summary}`, ...(finding.remediation.commands ?? []))
  // Two layers. The runner's encoding covers only `%`, CR and LF: an ESC or a bidi override would
  // still reach the log raw, and an encoded newline from a status message would come back as a
  // line of the annotation the reader cannot tell from ours. So each part is made inert first,
  // then joined by the line breaks this renderer means, then encoded for the runner.
  return `::${command} ${properties}::${escapeData(lines.map(escapeControl).join('\n'))}\n`
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** The runner's rules for a command's message (actions/toolkit `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** A property value additionally must not end at `:` or `,` (actions/toolkit `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
