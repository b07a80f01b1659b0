import { type DesiredCluster, type DesiredDatabase, type DesiredState, type ExpectedPartner, formatDuration } from '../manifest/desired-state.js'
import { clusterKey } from '../model/cluster.js'
import { FINDING_KIND_INFO, type Severity } from '../model/finding-kinds.js'
import { compareFindings, type Finding, fingerprintOf } from '../model/finding.js'
import type { ObservationCode } from '../model/error-codes.js'
import { type ClusterObservation, describeObservationError, type ObservedIntegration } from '../model/observation.js'
import { parseTimestamp } from '../timestamp.js'
import { excerpt } from '../untrusted-text.js'

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
  // Sources report a few distinct timestamps many times over (a snapshot's capturedAt, partners updated in one batch).
  const timestamps = new Map<string, number | undefined>()
  const timestampOf = (text: string): number | undefined => {
    if (!timestamps.has(text)) timestamps.set(text, parseTimestamp(text))
    return timestamps.get(text)
  }
  for (const cluster of desired.clusters) {
    const observation = observations.get(clusterKey(cluster)) ?? {
      kind: 'error',
      code: 'NotObserved' satisfies ObservationCode,
      message: 'the source returned nothing for this cluster',
    }
    diffCluster(cluster, observation, result, timestampOf)
  }
  result.findings.sort(compareFindings)
  return result
}

function diffCluster(cluster: DesiredCluster, observation: ClusterObservation, result: DriftResult, timestampOf: (text: string) => number | undefined): void {
  const base = { accountId: cluster.accountId, region: cluster.region, cluster: cluster.cluster }
  const expectedCount = cluster.databases.reduce((n, d) => n + d.partners.length, 0)
  result.expected += expectedCount
  // Severity is the kind's default unless the manifest says otherwise (`extra: warn`); the policy stage may change it.
  const push = (finding: Omit<Finding, 'accountId' | 'region' | 'cluster' | 'fingerprint' | 'severity'> & { severity?: Severity }): void => {
    const { kind, severity = FINDING_KIND_INFO[kind].defaultSeverity, ...rest } = finding
    const fingerprint = fingerprintOf({ kind, ...base, ...rest })
    result.findings.push({ kind, severity, fingerprint, ...base, ...rest })
  }

  if (observation.kind === 'error') {
    push({
      kind: 'error',
      cause: { code: observation.code, ...(observation.source ? { source: observation.source } : {}), requestId: observation.requestId, hint: observation.hint },
      message: `could not observe: ${describeObservationError(cluster.cluster, observation)}${observation.requestId ? ` (request id ${observation.requestId})` : ''}`,
      location: cluster.location,
    })
    return
  }

  if (observation.kind === 'not-found') {
    for (const database of cluster.databases) {
      for (const partner of database.partners) {
        push({
          kind: 'missing',
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
      push({ kind: 'missing', cause: { code: 'ClusterNotFound' }, message: `cluster not found (${observation.message})`, location: cluster.location })
    }
    return
  }

  const now = timestampOf(observation.observedAt)
  const observed = groupByPlace(observation.integrations)
  result.observed += observed.size

  for (const database of cluster.databases) {
    for (const partner of database.partners) {
      const reported = observed.get(database.database, partner.partner)
      if (!reported) {
        push({ kind: 'missing', ...expectedFields(database.database, partner), message: `not integrated; expected status ${partner.statuses.join(' or ')}` })
        continue
      }
      // Every item the source reported is judged: a healthy duplicate never hides an unhealthy one,
      // and an unhealthy one (whose kind the policy may switch off) never hides a stale healthy one.
      const unhealthy = reported.find((i) => !partner.statuses.includes(i.status))
      if (unhealthy) {
        push({
          kind: 'unhealthy',
          ...expectedFields(database.database, partner),
          observed: observedState(unhealthy),
          message: `status ${unhealthy.status}, expected ${partner.statuses.join(' or ')}${unhealthy.statusMessage ? `; status message: "${unhealthy.statusMessage}"` : ''}${repeated(reported)}`,
        })
      }
      // The first healthy item that is stale (staleness is a pure function of the item).
      let stale: { integration: ObservedIntegration; reason: string } | undefined
      for (const integration of reported) {
        const reason = partner.statuses.includes(integration.status) ? staleness(partner, integration, now, timestampOf) : undefined
        if (reason) {
          stale = { integration, reason }
          break
        }
      }
      if (stale) {
        push({ kind: 'stale', ...expectedFields(database.database, partner), observed: observedState(stale.integration), message: `status ${stale.integration.status} ${stale.reason}${repeated(reported)}` })
      }
      if (!unhealthy && !stale) result.inSync++
    }
  }

  const databases = byName(cluster.databases)
  for (const integration of observed.firsts) {
    const database = databases(integration.database)
    if (database?.partners.some((p) => p.partner === integration.partner)) continue
    const reported = observed.get(integration.database, integration.partner)!
    const common = { database: integration.database, partner: integration.partner, observed: observedState(integration) }
    const statuses = `status ${[...new Set(reported.map((i) => i.status))].join(', ')}`
    const forbidden = (database?.absent ?? cluster.absent).find((a) => a.partner === integration.partner)
    if (forbidden) {
      push({
        kind: 'forbidden',
        ...common,
        message: `integrated (${statuses}) but listed as absent${repeated(reported)}`,
        location: forbidden.location,
      })
      continue
    }
    const policy = database?.extra ?? cluster.extra
    if (policy === 'ignore') continue
    if (cluster.unmanaged) {
      push({
        kind: 'unmanaged',
        severity: policy === 'warn' ? 'warn' : 'fail',
        ...common,
        message: `integrated (${statuses}) on a cluster no rule and no clusters: entry covers${repeated(reported)}`,
        location: cluster.location,
      })
      continue
    }
    push({
      kind: 'extra',
      severity: policy === 'warn' ? 'warn' : 'fail',
      ...common,
      ...(database ? {} : { cause: { code: 'DatabaseNotDeclared' } }),
      message: `integrated (${statuses}) but not declared${database ? '' : `; database ${integration.database} is not in the manifest`}${repeated(reported)}`,
      location: database?.location ?? cluster.location,
    })
  }
}

/** `; the source reported it 2 times`: a duplicate is worth knowing about, and is never silently merged. */
function repeated(reported: readonly ObservedIntegration[]): string {
  return reported.length > 1 ? `; the source reported it ${reported.length} times` : ''
}

/** Past this many items, an observation's items are grouped in maps instead of looked for in the list. */
const FEW_ITEMS = 16

/**
 * The items of one observation by (database, partner), in the order the source reported them,
 * and the first item of each place, in that order. A cluster has a handful of integrations: they
 * are looked for in the list, which costs no map per cluster (a large estate has tens of
 * thousands of clusters). A longer list (a hostile source may send thousands of items) is grouped
 * in nested maps, not under a joined string key, so that no name, however odd, can collide with another.
 */
function groupByPlace(integrations: readonly ObservedIntegration[]): {
  size: number
  firsts: ObservedIntegration[]
  get(database: string, partner: string): ObservedIntegration[] | undefined
} {
  const firsts: ObservedIntegration[] = []
  if (integrations.length <= FEW_ITEMS) {
    for (let i = 0; i < integrations.length; i++) {
      const { database, partner } = integrations[i]!
      let seen = false
      for (let j = 0; j < i && !seen; j++) seen = integrations[j]!.database === database && integrations[j]!.partner === partner
      if (!seen) firsts.push(integrations[i]!)
    }
    return {
      size: firsts.length,
      firsts,
      get: (database, partner) => {
        let items: ObservedIntegration[] | undefined
        for (const integration of integrations) if (integration.database === database && integration.partner === partner) (items ??= []).push(integration)
        return items
      },
    }
  }
  const byDatabase = new Map<string, Map<string, ObservedIntegration[]>>()
  for (const integration of integrations) {
    let partners = byDatabase.get(integration.database)
    if (!partners) byDatabase.set(integration.database, (partners = new Map()))
    const items = partners.get(integration.partner)
    if (items) items.push(integration)
    else {
      partners.set(integration.partner, [integration])
      firsts.push(integration)
    }
  }
  return { size: firsts.length, firsts, get: (database, partner) => byDatabase.get(database)?.get(partner) }
}

/** A cluster's database entry by name: looked for in the list, or in a map past a few. */
function byName(databases: readonly DesiredDatabase[]): (name: string) => DesiredDatabase | undefined {
  if (databases.length > FEW_ITEMS) {
    const map = new Map(databases.map((d) => [d.database, d]))
    return (name) => map.get(name)
  }
  return (name) => databases.find((d) => d.database === name)
}

/** What a finding about an expected integration says of it; made only for a finding, since nearly every expected integration of a large estate is in sync. */
function expectedFields(database: string, partner: ExpectedPartner) {
  return { database, partner: partner.partner, expected: expectation(partner), location: partner.location }
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

/** How far an UpdatedAt may lie ahead of the observation before a clock is clearly wrong. */
export const CLOCK_SKEW_MS = 5 * 60_000

/**
 * A reason the status is stale, or undefined when it is fresh enough. Fail closed: a status
 * whose age cannot be known (no timestamp, an unreadable one, one in the future) is never fresh.
 */
function staleness(partner: ExpectedPartner, found: ObservedIntegration, now: number | undefined, timestampOf: (text: string) => number | undefined): string | undefined {
  if (partner.maxStatusAgeMs === undefined) return undefined
  const stamp = found.updatedAt ?? found.createdAt
  const at = stamp === undefined ? undefined : timestampOf(stamp)
  // The fresh status, the common case, is decided before any text is made.
  if (stamp !== undefined && at !== undefined && now !== undefined && now - at <= partner.maxStatusAgeMs && at - now <= CLOCK_SKEW_MS) return undefined
  const limit = `maxStatusAge ${partner.maxStatusAge}`
  const field = found.updatedAt !== undefined ? 'UpdatedAt' : 'CreatedAt'
  if (stamp === undefined) return `has no UpdatedAt or CreatedAt, so its age cannot be checked against ${limit}`
  if (at === undefined) return `has ${field} ${excerpt(stamp, 40)}, which is not an RFC 3339 timestamp, so its age cannot be checked against ${limit}`
  if (now === undefined) return `was observed at no valid time, so its age cannot be checked against ${limit}`
  const age = now - at
  if (-age > CLOCK_SKEW_MS) {
    return `has ${field} ${stamp}, ${formatDuration(-age)} in the future of the observation; a clock is wrong, so its age cannot be checked against ${limit}`
  }
  return `was last updated ${formatDuration(age)} ago (${stamp}), older than ${limit}`
}
