import type { DesiredState } from '../manifest/desired-state.js'
import { clusterKey } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { FindingKind } from '../model/finding-kinds.js'
import type { RemediatedFinding, ReportedFinding } from '../model/finding.js'
import { type ClusterObservation, describeObservationError, type ObserveStats } from '../model/observation.js'
import { type ClusterState, type Coverage, type ExitCode, type ShardInfo, type Outcome, type Report, type ReportProvenance, REPORT_VERSION, type Summary } from '../model/report.js'

/** What the diff counted while comparing: the summary's figures that are not counts of findings. */
export type DriftCounts = Pick<Summary, 'clusters' | 'expected' | 'observed' | 'inSync'>

/**
 * The last stage: every verdict, made once. Each finding learns whether it fails the run; the
 * summary, the outcome and the exit code follow from those. Renderers read them and decide nothing.
 */
export function summariseReport(
  desired: DesiredState,
  observations: ReadonlyMap<string, ClusterObservation>,
  drift: DriftCounts,
  remedied: readonly RemediatedFinding[],
  run: { source: string; stats?: ObserveStats; coverage?: Coverage; shard?: ShardInfo; audit?: boolean; provenance?: ReportProvenance },
): Report {
  const findings: ReportedFinding[] = remedied.map((finding) => ({ ...finding, failing: finding.severity === 'fail' && !finding.suppressed }))
  const summary = summaryOf(findings, drift)
  const outcome = outcomeOf(summary)
  const clusters = desired.clusters.map((c): ClusterState => {
    const observation = observations.get(clusterKey(c))
    // Members set one after another in the report's order, without spreads: one per cluster of a large estate.
    const state: Partial<ClusterState> = { accountId: c.accountId, region: c.region, cluster: c.cluster }
    if (!c.fromDiscovery) state.location = c.location
    state.observation = observation?.kind ?? 'error'
    if (observation && observation.kind !== 'observed') state.note = observation.kind === 'error' ? describeObservationError(c.cluster, observation) : observation.message
    const expected: ClusterState['expected'] = []
    for (const d of c.databases) for (const p of d.partners) expected.push({ database: d.database, partner: p.partner, status: p.statuses })
    state.expected = expected
    state.observed = observation?.kind === 'observed' ? observation.integrations : []
    return state as ClusterState
  })
  clusters.sort(compareClusterStates)
  return {
    version: REPORT_VERSION,
    ...(run.provenance ? { tool: run.provenance.tool, generatedAt: run.provenance.generatedAt } : {}),
    outcome,
    exitCode: exitCodeFor(outcome),
    manifest: desired.file,
    source: run.source,
    ...(run.audit ? { audit: true as const } : {}),
    summary,
    findings,
    clusters,
    ...(run.coverage ? { coverage: run.coverage } : {}),
    ...(run.shard ? { shard: run.shard } : {}),
    ...(run.stats ? { stats: run.stats } : {}),
  }
}

/** The summary of a report's findings: the counts every renderer shows, made here only. */
export function summaryOf(findings: readonly ReportedFinding[], drift: DriftCounts): Summary {
  const active = findings.filter((f) => !f.suppressed)
  const count = (kind: FindingKind): number => active.filter((f) => f.kind === kind).length
  return {
    clusters: drift.clusters,
    expected: drift.expected,
    observed: drift.observed,
    inSync: drift.inSync,
    missing: count('missing'),
    extra: count('extra'),
    unmanaged: count('unmanaged'),
    forbidden: count('forbidden'),
    unhealthy: count('unhealthy'),
    stale: count('stale'),
    errors: count('error'),
    failing: findings.filter((f) => f.failing).length,
    warnings: active.filter((f) => f.severity === 'warn').length,
    excepted: findings.filter((f) => f.suppressed?.by === 'exception').length,
    known: findings.filter((f) => f.suppressed?.by === 'baseline' || f.suppressed?.by === 'base').length,
    expiredExceptions: count('expired-exception'),
    expiringExceptions: count('expiring-exception'),
    unusedExceptions: count('unused-exception'),
    unusedRules: count('unused-rule'),
  }
}

export function outcomeOf(summary: Summary): Outcome {
  return summary.errors > 0 ? 'incomplete' : summary.failing > 0 ? 'drift' : 'in-sync'
}

/**
 * The order of a report's clusters: the manifest's entries as written, then the clusters only
 * discovery found, by name. A merge of shard reports puts them back in this order.
 */
export function compareClusterStates(a: ClusterState, b: ClusterState): number {
  if (a.location && b.location) return a.location.line - b.location.line || a.location.column - b.location.column
  if (a.location || b.location) return a.location ? -1 : 1
  return compareText(clusterKey(a), clusterKey(b))
}

/** Terraform `-detailed-exitcode` style: 0 in sync, 2 drift, 1 when any cluster could not be observed. */
export function exitCodeFor(outcome: Outcome): ExitCode {
  return outcome === 'incomplete' ? 1 : outcome === 'drift' ? 2 : 0
}
