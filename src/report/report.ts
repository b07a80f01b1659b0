import type { ClusterObservation, ObservedIntegration } from '../contract.js'
import { computeFindings, type Finding, type FindingKind } from '../diff/compute-findings.js'
import { clusterKey, type DesiredState } from '../manifest/desired-state.js'
import type { FetchStats } from '../observe/orchestrator.js'
import { applyPolicy, type PolicyOptions } from '../policy/apply-policy.js'
import { remediationFor } from './remediation.js'

export const REPORT_VERSION = 1

export type Outcome = 'in-sync' | 'drift' | 'incomplete'

/** What was expected and what was seen on one cluster: the evidence behind the findings. */
export interface ClusterState {
  accountId: string
  region: string
  cluster: string
  observation: ClusterObservation['kind']
  /** For `error` and `not-found`: the source's message. */
  note?: string
  expected: Array<{ database: string; partner: string; status: string[] }>
  /** Empty unless `observation` is `observed`. */
  observed: ObservedIntegration[]
}

export interface Report {
  version: typeof REPORT_VERSION
  outcome: Outcome
  manifest: string
  source: string
  /** Kind counts leave out suppressed findings, which are counted as `excepted` and `known`. */
  summary: Record<'missing' | 'extra' | 'forbidden' | 'unhealthy' | 'stale', number> & {
    clusters: number
    expected: number
    observed: number
    inSync: number
    errors: number
    /** Findings that fail the run: fail severity, not suppressed. */
    failing: number
    warnings: number
    excepted: number
    known: number
    expiredExceptions: number
    unusedExceptions: number
  }
  findings: Finding[]
  clusters: ClusterState[]
  stats?: FetchStats
}

/** Diff and summarise: everything a renderer or an exit code needs, and nothing they must recompute. */
export function buildReport(
  desired: DesiredState,
  observations: ReadonlyMap<string, ClusterObservation>,
  run: { source: string; stats?: FetchStats; policy?: PolicyOptions },
): Report {
  const drift = computeFindings(desired, observations)
  const findings = applyPolicy(drift.findings, desired, run.policy ?? { today: new Date().toISOString().slice(0, 10) })
  for (const finding of findings) finding.remediation = remediationFor(finding)
  const active = findings.filter((f) => !f.suppressed)
  const count = (kind: FindingKind): number => active.filter((f) => f.kind === kind).length
  const summary = {
    clusters: drift.clusters,
    expected: drift.expected,
    observed: drift.observed,
    inSync: drift.inSync,
    missing: count('missing'),
    extra: count('extra'),
    forbidden: count('forbidden'),
    unhealthy: count('unhealthy'),
    stale: count('stale'),
    errors: count('error'),
    failing: active.filter((f) => f.severity === 'fail').length,
    warnings: active.filter((f) => f.severity === 'warn').length,
    excepted: findings.filter((f) => f.suppressed?.by === 'exception').length,
    known: findings.filter((f) => f.suppressed?.by === 'baseline').length,
    expiredExceptions: count('expired-exception'),
    unusedExceptions: count('unused-exception'),
  }
  const outcome: Outcome = summary.errors > 0 ? 'incomplete' : summary.failing > 0 ? 'drift' : 'in-sync'
  const clusters = desired.clusters.map((c): ClusterState => {
    const observation = observations.get(clusterKey(c))
    return {
      accountId: c.accountId,
      region: c.region,
      cluster: c.cluster,
      observation: observation?.kind ?? 'error',
      ...(observation && observation.kind !== 'observed' ? { note: observation.message } : {}),
      expected: c.databases.flatMap((d) => d.partners.map((p) => ({ database: d.database, partner: p.partner, status: p.statuses }))),
      observed: observation?.kind === 'observed' ? observation.integrations : [],
    }
  })
  return {
    version: REPORT_VERSION,
    outcome,
    manifest: desired.file,
    source: run.source,
    summary,
    findings,
    clusters,
    ...(run.stats ? { stats: run.stats } : {}),
  }
}

/** Terraform `-detailed-exitcode` style: 0 in sync, 2 drift, 1 when any cluster could not be observed. */
export function exitCodeFor(report: Report): 0 | 1 | 2 {
  return report.outcome === 'incomplete' ? 1 : report.outcome === 'drift' ? 2 : 0
}

