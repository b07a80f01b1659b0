
import type { LastChange } from './attribution.js'
import type { ClusterIdentity } from './cluster.js'
import { compareText } from './compare-text.js'
import { FINDING_KINDS, type FindingKind, type Severity } from './finding-kinds.js'
import { sha256 } from './node-crypto.js'

/** A place in an input file (the manifest, an exceptions file, a baseline). */
export interface FileLocation {
  file: string
  line: number
  column: number
}

/** How to fix a finding, in the forms reviewers use. */
export interface Remediation {
  /** One line: what to do. */
  summary: string
  /** Shell commands that change reality (AWS CLI). */
  commands?: string[]
  /** A Terraform block that manages the integration, with its import command. */
  terraform?: string
  /** Manifest lines that would accept what was observed instead of changing reality. */
  manifest?: string
}

/**
 * Why a finding is reported but no longer fails: an exception or the baseline accepts it, or (`check
 * --base`) the base manifest already had it failing, so the change under review did not bring it.
 */
export interface Suppression {
  by: 'exception' | 'baseline' | 'base'
  reason: string
  owner?: string
  expires?: string
  /** The exception entry, or the baseline file. */
  location?: FileLocation
}

/**
 * How a finding of the head manifest stands against the base (`check --base`): `introduced` the
 * base had no such finding; `unchanged` it had, and it failed there as it does here (or does not
 * fail here); `escalated` it had, but it did not fail there and fails now (the change made a
 * warning, or an accepted finding, fail). Findings are the same when their fingerprints are.
 */
export type ReviewState = 'introduced' | 'unchanged' | 'escalated'

/** One difference between the manifest and reality, as the diff and then the policy see it. */
export interface Finding extends ClusterIdentity {
  kind: FindingKind
  /** Stable identity across runs: SARIF partialFingerprints and baselines match on it. */
  fingerprint: string
  severity: Severity
  database?: string
  partner?: string
  expected?: { status: string[]; maxStatusAge?: string }
  observed?: { status: string; statusMessage?: string; createdAt?: string; updatedAt?: string }
  /**
   * Why: for `error` findings the source's error (and which source saw it); `ClusterNotFound` for a
   * cluster that does not exist; `DatabaseNotDeclared` for an extra on a database the manifest does not list.
   */
  cause?: { code: string; source?: string; requestId?: string; hint?: string }
  message: string
  /** The manifest entry the finding comes from. */
  location?: FileLocation
  /** Set when an exception or a baseline accepts this finding: still reported, no longer failing. */
  suppressed?: Suppression
  /** In an audit (`check --audit`), instead of `suppressed`: the exception or baseline that would have accepted this finding. */
  wouldBeSuppressed?: Suppression
  /** With `check --attribute`: the most recent recorded change of the integration, or why it is not known. Never changes the verdict. */
  lastChange?: LastChange
}

/** A finding with its fix, as the remediation stage returns it. */
export interface RemediatedFinding extends Finding {
  remediation: Remediation
}

/** A finding as the report carries it: with its fix and its verdict. */
export interface ReportedFinding extends RemediatedFinding {
  /** Whether this finding fails the run: fail severity and not suppressed. Renderers read it; none decides it again. */
  failing: boolean
  /** With `check --base`: whether the change under review brought this finding (see `ReviewState`). */
  reviewState?: ReviewState
}

const KIND_ORDER = new Map(FINDING_KINDS.map((k, i) => [k, i]))

/** Deterministic: by account, region, cluster, database, partner, kind. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.cluster, b.cluster) ||
    compareText(a.database ?? '', b.database ?? '') ||
    compareText(a.partner ?? '', b.partner ?? '') ||
    (KIND_ORDER.get(a.kind) ?? 0) - (KIND_ORDER.get(b.kind) ?? 0)
  )
}

/**
 * What a finding is about, not how it is worded: kind and place. Messages, statuses and
 * positions in the manifest may change between runs without making it a new finding.
 */
export function fingerprintOf(f: Pick<Finding, 'kind' | 'accountId' | 'region' | 'cluster' | 'database' | 'partner'>): string {
  const identity = [f.kind, f.accountId, f.region, f.cluster, f.database ?? '', f.partner ?? ''].join('\u0000')
  return sha256(identity).toString('hex').slice(0, 32)
}
