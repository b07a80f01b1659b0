import type { LastChange } from '../../model/attribution.js'
import { clusterKey } from '../../model/cluster.js'
import type { Finding, FileLocation, Suppression } from '../../model/finding.js'
import type { Report } from '../../model/report.js'

const SUPPRESSION_LABEL: Record<Suppression['by'], string> = { exception: 'excepted', baseline: 'known (baseline)', base: 'known (base)' }

/** `excepted: REASON (owner X, expires D)`, `known (baseline): REASON` or `known (base): REASON`. */
export function describeSuppression(s: Suppression): string {
  const details = [s.owner ? `owner ${s.owner}` : '', s.expires ? `expires ${s.expires}` : ''].filter(Boolean).join(', ')
  return `${SUPPRESSION_LABEL[s.by]}: ${s.reason}${details ? ` (${details})` : ''}`
}

/** `audit: would be excepted: REASON (owner X, expires D)`: what an audit did not let accept a finding. */
export function describeWouldBeSuppressed(s: Suppression): string {
  return `audit: would be ${describeSuppression(s)}`
}

const DID: Readonly<Record<'AddPartner' | 'DeletePartner', string>> = { AddPartner: 'added', DeletePartner: 'deleted' }

/**
 * `added by arn:aws:sts::123456789012:assumed-role/DataEng/alice on 2026-11-20`,
 * `status set to ConnectionFailure by partner Fivetran on 2026-11-21`, or
 * `last change unknown: REASON`. The parts come from the API: each format escapes the whole.
 */
export function describeLastChange(change: LastChange): string {
  if (change.kind === 'unknown') return `last change unknown: ${change.reason}`
  const day = change.at.slice(0, 10)
  if (change.event === 'UpdatePartnerStatus') return `status set${change.status ? ` to ${change.status}` : ''} by ${change.actor === 'partner' ? 'partner ' : ''}${change.by} on ${day}`
  return `${DID[change.event]} by ${change.by} on ${day}`
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
