/**
 * `check --attribute`: who last changed each drifting integration. Two pure steps around the
 * source's calls (which the orchestrator schedules): which events to ask for in each account and
 * region, from the findings there; then, from the histories, each finding's latest change.
 * Attribution only adds `lastChange`: it never changes a finding's kind, severity or verdict.
 */
import { type AttributionRequest, type ChangeHistory, type LastChange, PARTNER_EVENTS, type PartnerChange, type PartnerEventName } from '../model/attribution.js'
import type { ClusterTarget } from '../model/cluster.js'
import type { AttributionCode } from '../model/error-codes.js'
import type { Finding } from '../model/finding.js'
import { parseTimestamp } from '../timestamp.js'

/** How far back changes are looked for: CloudTrail's event history keeps 90 days. */
export const ATTRIBUTION_DAYS = 90

const INTEGRATION_EVENTS: readonly PartnerEventName[] = ['AddPartner', 'UpdatePartnerStatus']
const DELETION_EVENTS: readonly PartnerEventName[] = ['DeletePartner']

/**
 * The events that can be a finding's latest change, or none for findings attribution is not for.
 * An integration that is there (extra, unmanaged, forbidden, unhealthy) was last added or had its
 * status pushed; one that is missing was last deleted, if it ever existed. A cluster that does not
 * exist has nothing to attribute.
 */
export function eventsFor(finding: Finding): readonly PartnerEventName[] {
  if (finding.database === undefined || finding.partner === undefined) return []
  switch (finding.kind) {
    case 'extra':
    case 'unmanaged':
    case 'forbidden':
    case 'unhealthy':
      return INTEGRATION_EVENTS
    case 'missing':
      return finding.cause?.code === 'ClusterNotFound' ? [] : DELETION_EVENTS
    default:
      return []
  }
}

export const scopeKeyOf = (place: { accountId: string; region: string }): string => `${place.accountId}\u0000${place.region}`

/**
 * One request per account and region with findings to attribute, for the events any of them
 * needs, over the last ATTRIBUTION_DAYS up to `now`: never one per finding (CloudTrail allows two
 * lookups a second per account and region). The role is the one the account's clusters are observed with.
 */
export function attributionRequests(findings: readonly Finding[], targets: readonly ClusterTarget[], now: Date): AttributionRequest[] {
  const roles = new Map<string, string>()
  for (const t of targets) if (t.assumeRole && !roles.has(scopeKeyOf(t))) roles.set(scopeKeyOf(t), t.assumeRole)
  const wanted = new Map<string, { accountId: string; region: string; events: Set<PartnerEventName> }>()
  for (const finding of findings) {
    const events = eventsFor(finding)
    if (events.length === 0) continue
    const key = scopeKeyOf(finding)
    let scope = wanted.get(key)
    if (!scope) wanted.set(key, (scope = { accountId: finding.accountId, region: finding.region, events: new Set() }))
    for (const event of events) scope.events.add(event)
  }
  const until = now.toISOString()
  const since = new Date(now.getTime() - ATTRIBUTION_DAYS * 86_400_000).toISOString()
  return [...wanted.entries()].map(([key, { accountId, region, events }]) => {
    const role = roles.get(key)
    return { accountId, region, ...(role ? { assumeRole: role } : {}), events: PARTNER_EVENTS.filter((e) => events.has(e)), since, until }
  })
}

/**
 * Each finding attribution is for, with its `lastChange`: the latest of its events in its account
 * and region's history, or `unknown` with the reason (the lookup failed, or found nothing).
 */
export function withLastChanges(findings: readonly Finding[], histories: ReadonlyMap<string, ChangeHistory>): Finding[] {
  const latest = new Map<string, Map<string, PartnerChange>>()
  const latestIn = (key: string, history: Extract<ChangeHistory, { kind: 'history' }>): Map<string, PartnerChange> => {
    let index = latest.get(key)
    if (!index) latest.set(key, (index = latestByIntegration(history.changes)))
    return index
  }
  return findings.map((finding) => {
    const events = eventsFor(finding)
    if (events.length === 0) return finding
    const key = scopeKeyOf(finding)
    const history = histories.get(key)
    if (!history) return finding
    let lastChange: LastChange
    if (history.kind === 'error') {
      lastChange = { kind: 'unknown', code: history.code, reason: `${history.message}${history.hint ? ` (${history.hint})` : ''}`, ...(history.requestId ? { requestId: history.requestId } : {}) }
    } else {
      const change = events.map((event) => latestIn(key, history).get(changeKey(event, finding.cluster, finding.database!, finding.partner!))).reduce(later, undefined)
      lastChange = change ? lastChangeOf(change) : noRecordedChange(events)
    }
    return { ...finding, lastChange }
  })
}

/** Cluster identifiers are lower case in Redshift, whatever case a call or a manifest wrote them in. */
const changeKey = (event: PartnerEventName, cluster: string, database: string, partner: string): string => [event, cluster.toLowerCase(), database, partner].join('\u0000')

/** The latest change per event and integration: one pass over a history that may hold thousands. */
function latestByIntegration(changes: readonly PartnerChange[]): Map<string, PartnerChange> {
  const index = new Map<string, PartnerChange>()
  for (const change of changes) {
    const key = changeKey(change.event, change.cluster, change.database, change.partner)
    index.set(key, later(index.get(key), change)!)
  }
  return index
}

function later(a: PartnerChange | undefined, b: PartnerChange | undefined): PartnerChange | undefined {
  if (!a || !b) return a ?? b
  return (parseTimestamp(b.at) ?? 0) > (parseTimestamp(a.at) ?? 0) ? b : a
}

function lastChangeOf(change: PartnerChange): LastChange {
  const optional = {
    ...(change.status ? { status: change.status } : {}),
    ...(change.requestId ? { requestId: change.requestId } : {}),
    ...(change.eventId ? { eventId: change.eventId } : {}),
  }
  const at = new Date(parseTimestamp(change.at)!).toISOString()
  // The partner pushes its status: it is the partner's doing, whichever of its principals called.
  if (change.event === 'UpdatePartnerStatus') return { kind: 'event', event: change.event, at, by: change.partner, actor: 'partner', ...(change.principal ? { principal: change.principal } : {}), ...optional }
  return { kind: 'event', event: change.event, at, by: change.principal ?? 'an unrecorded principal', actor: 'principal', ...optional }
}

function noRecordedChange(events: readonly PartnerEventName[]): LastChange {
  return {
    kind: 'unknown',
    code: 'NoRecordedChange' satisfies AttributionCode,
    reason: `no ${events.join(' or ')} event for this integration in the last ${ATTRIBUTION_DAYS} days of the history`,
  }
}
