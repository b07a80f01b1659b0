import { clusterKey } from '../../model/cluster.js'
import type { Finding, FileLocation, Suppression } from '../../model/finding.js'
import type { Report } from '../../model/report.js'

const SUPPRESSION_LABEL: Record<Suppression['by'], string> = { exception: 'excepted', baseline: 'known (baseline)', base: 'known (base)' }

/** `excepted: REASON (owner X, expires D)`, `known (baseline): REASON` or `known (base): REASON`. */
export function describeSuppression(s: Suppression): string {
  const details = [s.owner ? `owner ${s.owner}` : '', s.expires ? `expires ${s.expires}` : ''].filter(Boolean).join(', ')
  return `${SUPPRESSION_LABEL[s.by]}: ${s.reason}${details ? ` (${details})` : ''}`
}

/** `database/partner`, or what part of it is known. */
export function subjectOf(finding: Finding): string {
  if (finding.database !== undefined && finding.partner !== undefined) return `${finding.database}/${finding.partner}`
  return finding.database ?? finding.partner ?? ''
}

/** Where a finding points in the manifest; findings that come from no entry point at the manifest itself. */
export function manifestLocationOf(finding: Finding, report: Report): FileLocation {
  return finding.location ?? { file: report.manifest, line: 1, column: 1 }
}

/**
 * Findings by `clusterKey`, each group in the order given, the groups in the order of their first
 * finding; `into` may hold groups already (in the order they should come). One pass: a report of a
 * large estate has thousands of findings over tens of thousands of clusters.
 */
export function groupByCluster<F extends Finding>(findings: Iterable<F>, into = new Map<string, F[]>()): Map<string, F[]> {
  for (const finding of findings) {
    const key = clusterKey(finding)
    const group = into.get(key)
    if (group) group.push(finding)
    else into.set(key, [finding])
  }
  return into
}
