import type { ClusterIdentity } from './cluster.js'
import type { KindCountKey } from './finding-kinds.js'
import type { FileLocation, ReportedFinding } from './finding.js'
import type { ClusterObservation, ObserveStats, ObservedIntegration } from './observation.js'
import type { Review } from './review.js'

export const REPORT_VERSION = 1

/** The verdict of a run. */
export type Outcome = 'in-sync' | 'drift' | 'incomplete'

/** Terraform `-detailed-exitcode` style: 0 in sync, 2 drift, 1 when any cluster could not be observed. */
export type ExitCode = 0 | 1 | 2

/** What was expected and what was seen on one cluster: the evidence behind the findings. */
export interface ClusterState extends ClusterIdentity {
  /** Its `clusters:` entry; absent for a cluster only discovery found. */
  location?: FileLocation
  observation: ClusterObservation['kind']
  /** For `error` and `not-found`: the source's message. */
  note?: string
  expected: Array<{ database: string; partner: string; status: string[] }>
  /** Empty unless `observation` is `observed`. */
  observed: ObservedIntegration[]
}

/** Kind counts leave out suppressed findings, which are counted as `excepted` and `known`. */
export type Summary = Record<KindCountKey, number> & {
  clusters: number
  expected: number
  observed: number
  inSync: number
  /** Findings that fail the run: fail severity, not suppressed. */
  failing: number
  warnings: number
  excepted: number
  known: number
}

/** How many discovered clusters the manifest covers, and how. */
export interface CoverageCounts {
  /** Clusters discovery found. */
  clusters: number
  /** Selected by at least one rule. */
  byRules: number
  /** Named by a `clusters:` entry. */
  byEntries: number
  /** Neither. */
  unmanaged: number
  /** Unmanaged clusters with at least one partner integration. */
  unmanagedWithIntegrations: number
}

/** Present when the manifest discovers clusters: the totals, and the same per account and region. */
export interface Coverage extends CoverageCounts {
  scopes: Array<CoverageCounts & { accountId: string; region: string; /** false when the scope could not be looked at. */ discovered: boolean }>
}

/** On a shard's report (`check --shard I/N`): what `merge` needs to check that the shards are one complete check. */
export interface ShardInfo {
  index: number
  count: number
  /** SHA-256 of the manifest file: shards of different manifests are never merged. */
  manifestDigest: string
  /** The partner-drift version that wrote the report. */
  version: string
  /** The (account, region) scopes the manifest names that fell to this shard, `account/region`. */
  scopes: string[]
  /** Their declared work: a unit per cluster, per expected integration and per discovery scope. */
  work: number
}

/** Which partner-drift wrote a report, and when (ISO 8601, UTC; SOURCE_DATE_EPOCH when set). */
export interface ReportProvenance {
  tool: { name: string; version: string }
  generatedAt: string
}

/** Everything a renderer or an exit code needs, and nothing they must recompute. */
export interface Report extends Partial<ReportProvenance> {
  version: typeof REPORT_VERSION
  outcome: Outcome
  /** The exit code `check` ends with; follows from `outcome`. */
  exitCode: ExitCode
  manifest: string
  source: string
  /**
   * `check --audit`: exceptions and the baseline accepted nothing; findings they would have
   * accepted fail, and carry `wouldBeSuppressed`.
   */
  audit?: true
  summary: Summary
  findings: ReportedFinding[]
  clusters: ClusterState[]
  /** With `discover:`: what discovery found and how much of it the manifest covers. */
  coverage?: Coverage
  /** Present on a shard's report. */
  shard?: ShardInfo
  stats?: ObserveStats
  /** With `check --base`: what the change does, judged against the same observation. */
  review?: Review
}
