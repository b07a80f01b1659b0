import { createHash } from 'node:crypto'

import type { ClusterObservation, ObservedIntegration } from '../contract.js'
import type { Remediation } from '../report/remediation.js'
import {
  clusterKey,
  type DesiredCluster,
  type DesiredState,
  type ExpectedPartner,
  formatDuration,
  type SourceLocation,
} from '../manifest/desired-state.js'

/** The diff's kinds, then the policy's own: exceptions that expired or matched nothing. */
export const FINDING_KINDS = ['missing', 'extra', 'forbidden', 'unhealthy', 'stale', 'error', 'expired-exception', 'unused-exception'] as const
export type FindingKind = (typeof FINDING_KINDS)[number]
export type Severity = 'fail' | 'warn'

export interface Finding {
  kind: FindingKind
  /** Stable identity across runs: SARIF partialFingerprints and baselines match on it. */
  fingerprint: string
  severity: Severity
  accountId: string
  region: string
  cluster: string
  database?: string
  partner?: string
  expected?: { status: string[]; maxStatusAge?: string }
  observed?: { status: string; statusMessage?: string; createdAt?: string; updatedAt?: string }
  /** Why: for `error` findings the source's error; `ClusterNotFound` for a cluster that does not exist; `DatabaseNotDeclared` for an extra on a database the manifest does not list. */
  cause?: { code: string; requestId?: string; hint?: string }
  message: string
  /** The manifest entry the finding comes from. */
  location?: SourceLocation
  /** How to fix it; attached by the report. */
  remediation?: Remediation
  /** Set when an exception or a baseline accepts this finding: still reported, no longer failing. */
  suppressed?: Suppression
}

export interface Suppression {
  by: 'exception' | 'baseline'
  reason: string
  owner?: string
  expires?: string
  /** The exception entry, or the baseline file. */
  location?: SourceLocation
}

export interface DriftResult {
  findings: Finding[]
  clusters: number
  /** Expected integrations declared. */
  expected: number
  /** Integrations observed on declared clusters. */
  observed: number
  /** Expected integrations present and healthy. */
  inSync: number
}

/**
 * The diff: a pure function from desired state and observations to findings.
 * Every declared cluster must have an observation; one that has none counts as not observed.
 */
export function computeFindings(desired: DesiredState, observations: ReadonlyMap<string, ClusterObservation>): DriftResult {
  const result: DriftResult = { findings: [], clusters: desired.clusters.length, expected: 0, observed: 0, inSync: 0 }
  for (const cluster of desired.clusters) {
    const observation = observations.get(clusterKey(cluster)) ?? {
      kind: 'error',
      code: 'NotObserved',
      message: `${cluster.cluster}: the source returned nothing for this cluster`,
    }
    diffCluster(cluster, observation, result)
  }
  result.findings.sort(compareFindings)
  return result
}

function diffCluster(cluster: DesiredCluster, observation: ClusterObservation, result: DriftResult): void {
  const base = { accountId: cluster.accountId, region: cluster.region, cluster: cluster.cluster }
  const expectedCount = cluster.databases.reduce((n, d) => n + d.partners.length, 0)
  result.expected += expectedCount
  const push = (finding: Omit<Finding, 'accountId' | 'region' | 'cluster' | 'fingerprint'>): void => {
    const { kind, severity, ...rest } = finding
    const fingerprint = fingerprintOf({ kind, ...base, ...rest })
    result.findings.push({ kind, severity, fingerprint, ...base, ...rest })
  }

  if (observation.kind === 'error') {
    push({
      kind: 'error',
      severity: 'fail',
      cause: { code: observation.code, requestId: observation.requestId, hint: observation.hint },
      message: `could not observe: ${observation.message.includes(observation.code) ? '' : `${observation.code}: `}${observation.message}${observation.requestId ? ` (request id ${observation.requestId})` : ''}`,
      location: cluster.location,
    })
    return
  }

  if (observation.kind === 'not-found') {
    for (const database of cluster.databases) {
      for (const partner of database.partners) {
        push({
          kind: 'missing',
          severity: 'fail',
          database: database.database,
          partner: partner.partner,
          expected: expectation(partner),
          cause: { code: 'ClusterNotFound' },
          message: `cluster not found (${observation.message}); expected status ${partner.statuses.join(' or ')}`,
          location: partner.location,
        })
      }
    }
    // A declared cluster that does not exist is drift even when nothing is expected on it.
    if (expectedCount === 0) {
      push({ kind: 'missing', severity: 'fail', cause: { code: 'ClusterNotFound' }, message: `cluster not found (${observation.message})`, location: cluster.location })
    }
    return
  }

  const now = Date.parse(observation.observedAt)
  const observedByKey = new Map<string, ObservedIntegration>()
  for (const integration of observation.integrations) observedByKey.set(`${integration.database}\u0000${integration.partner}`, integration)
  result.observed += observedByKey.size

  for (const database of cluster.databases) {
    for (const partner of database.partners) {
      const found = observedByKey.get(`${database.database}\u0000${partner.partner}`)
      const common = { database: database.database, partner: partner.partner, expected: expectation(partner), location: partner.location }
      if (!found) {
        push({ kind: 'missing', severity: 'fail', ...common, message: `not integrated; expected status ${partner.statuses.join(' or ')}` })
        continue
      }
      const observed = observedState(found)
      if (!partner.statuses.includes(found.status as never)) {
        push({
          kind: 'unhealthy',
          severity: 'fail',
          ...common,
          observed,
          message: `status ${found.status}, expected ${partner.statuses.join(' or ')}${found.statusMessage ? `; status message: "${found.statusMessage}"` : ''}`,
        })
        continue
      }
      const stale = staleness(partner, found, now)
      if (stale) {
        push({ kind: 'stale', severity: 'fail', ...common, observed, message: `status ${found.status} ${stale}` })
        continue
      }
      result.inSync++
    }
  }

  const databases = new Map(cluster.databases.map((d) => [d.database, d]))
  for (const integration of observedByKey.values()) {
    const database = databases.get(integration.database)
    if (database?.partners.some((p) => p.partner === integration.partner)) continue
    const observed = observedState(integration)
    const forbidden = (database?.absent ?? cluster.absent).find((a) => a.partner === integration.partner)
    const common = { database: integration.database, partner: integration.partner, observed }
    if (forbidden) {
      push({
        kind: 'forbidden',
        severity: 'fail',
        ...common,
        message: `integrated (status ${integration.status}) but listed as absent`,
        location: forbidden.location,
      })
      continue
    }
    const policy = database?.extra ?? cluster.extra
    if (policy === 'ignore') continue
    push({
      kind: 'extra',
      severity: policy === 'warn' ? 'warn' : 'fail',
      ...common,
      ...(database ? {} : { cause: { code: 'DatabaseNotDeclared' } }),
      message: `integrated (status ${integration.status}) but not declared${database ? '' : `; database ${integration.database} is not in the manifest`}`,
      location: database?.location ?? cluster.location,
    })
  }
}

function expectation(partner: ExpectedPartner): Finding['expected'] {
  return { status: [...partner.statuses], ...(partner.maxStatusAge ? { maxStatusAge: partner.maxStatusAge } : {}) }
}

function observedState(i: ObservedIntegration): NonNullable<Finding['observed']> {
  const observed: NonNullable<Finding['observed']> = { status: i.status }
  if (i.statusMessage !== undefined) observed.statusMessage = i.statusMessage
  if (i.createdAt !== undefined) observed.createdAt = i.createdAt
  if (i.updatedAt !== undefined) observed.updatedAt = i.updatedAt
  return observed
}

/** A reason the status is stale, or undefined when it is fresh enough. */
function staleness(partner: ExpectedPartner, found: ObservedIntegration, now: number): string | undefined {
  if (partner.maxStatusAgeMs === undefined) return undefined
  const stamp = found.updatedAt ?? found.createdAt
  // Fail closed: a status whose age cannot be known cannot be shown to be fresh.
  if (!stamp) return `has no UpdatedAt or CreatedAt, so its age cannot be checked against maxStatusAge ${partner.maxStatusAge}`
  const age = now - Date.parse(stamp)
  if (age <= partner.maxStatusAgeMs) return undefined
  return `was last updated ${formatDuration(age)} ago (${stamp}), older than maxStatusAge ${partner.maxStatusAge}`
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

/** Code-point order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * What a finding is about, not how it is worded: kind and place. Messages, statuses and
 * positions in the manifest may change between runs without making it a new finding.
 */
export function fingerprintOf(f: Pick<Finding, 'kind' | 'accountId' | 'region' | 'cluster' | 'database' | 'partner'>): string {
  const identity = [f.kind, f.accountId, f.region, f.cluster, f.database ?? '', f.partner ?? ''].join('\u0000')
  return createHash('sha256').update(identity).digest('hex').slice(0, 32)
}
