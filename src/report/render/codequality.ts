
import { clusterKey } from '../../model/cluster.js'
import type { ReportedFinding } from '../../model/finding.js'
import { sha256 } from '../../model/node-crypto.js'
import type { Report } from '../../model/report.js'
import { escapeControl, jsonWithoutRawControl } from '../../untrusted-text.js'
import { manifestLocationOf, subjectOf } from './finding-text.js'

/** GitLab's severities, least to most severe. */
export const CODE_QUALITY_SEVERITIES = ['info', 'minor', 'major', 'critical', 'blocker'] as const
export type CodeQualitySeverity = (typeof CODE_QUALITY_SEVERITIES)[number]

/** One entry of a GitLab Code Quality report: exactly the fields GitLab documents and reads. */
export interface CodeQualityIssue {
  description: string
  check_name: string
  fingerprint: string
  severity: CodeQualitySeverity
  location: { path: string; lines: { begin: number } }
}

/**
 * GitLab Code Quality (`artifacts:reports:codequality`): a JSON array with one issue per finding
 * that is not accepted, located on its manifest line, so that the merge request widget shows
 * drift beside the code's own findings and what is new on the branch.
 *
 * Findings an exception or the baseline accepts are left out: Code Quality has no notion of an
 * accepted issue, and listing one would show it as a violation. Each `fingerprint` is the
 * finding's own (kind and place, stable across runs), which is how GitLab tells new issues from
 * old ones; one that occurs twice in a run gets a distinct derived value, as GitLab needs.
 */
export function renderCodeQuality(report: Report): string {
  const seen = new Map<string, number>()
  const issues = report.findings.filter((f) => !f.suppressed).map((f) => issueOf(f, report, uniqueFingerprint(f.fingerprint, seen)))
  // The description is made inert where it is built; JSON escaping covers the rest.
  return jsonWithoutRawControl(JSON.stringify(issues, null, 2)) + '\n'
}

function issueOf(finding: ReportedFinding, report: Report, fingerprint: string): CodeQualityIssue {
  const location = manifestLocationOf(finding, report)
  const subject = subjectOf(finding)
  const name = `${clusterKey(finding)}${subject ? `/${subject}` : ''}`
  const fix = finding.remediation ? ` — Fix: ${finding.remediation.summary}` : ''
  return {
    // One line: the widget shows it as plain text, and a line break from a status message must not read as ours.
    description: escapeControl(`${finding.kind}: ${name}: ${finding.message}${fix}`),
    check_name: `partner-drift/${finding.kind}`,
    fingerprint,
    severity: severityOf(finding),
    location: { path: location.file.replace(/\\/g, '/'), lines: { begin: location.line } },
  }
}

/** A cluster that could not be observed blocks (the gate did not look); other failing findings are critical; warnings minor. */
function severityOf(finding: ReportedFinding): CodeQualitySeverity {
  if (finding.kind === 'error') return 'blocker'
  return finding.failing ? 'critical' : 'minor'
}

function uniqueFingerprint(fingerprint: string, seen: Map<string, number>): string {
  const count = seen.get(fingerprint) ?? 0
  seen.set(fingerprint, count + 1)
  return count === 0 ? fingerprint : sha256(`${fingerprint}\u0000${count}`).toString('hex').slice(0, 32)
}
