/**
 * What discovery and the rules add to the diff's findings, and the coverage of the report.
 * Pure, like the diff: a gate that could not look somewhere says so as an `error` finding,
 * because it cannot claim there is nothing unmanaged where it did not see.
 */
import type { DesiredRule } from '../manifest/desired-state.js'
import { clusterKey } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { CauseCode } from '../model/error-codes.js'
import type { DiscoveryOutcome, LookupError } from '../model/discovery.js'
import { FINDING_KIND_INFO } from '../model/finding-kinds.js'
import { type Finding, fingerprintOf } from '../model/finding.js'
import { type ClusterObservation, describeObservationError } from '../model/observation.js'
import type { Coverage, CoverageCounts } from '../model/report.js'
import type { RuledEstate } from './apply-rules.js'

export function discoveryFindings(estate: RuledEstate, outcome: DiscoveryOutcome, location: Finding['location']): Finding[] {
  const findings: Finding[] = []
  if (outcome.organization?.kind === 'error') {
    findings.push(lookupFailure({ accountId: '*', region: '*', cluster: '*' }, 'could not list the accounts of the organization', 'organization', outcome.organization, location))
  }
  for (const { accountId, region, result } of outcome.scopes) {
    if (result.kind === 'error') {
      findings.push(lookupFailure({ accountId, region, cluster: '*' }, `could not discover the clusters of account ${accountId} in ${region}`, `${accountId}/${region}`, result, location))
    }
  }
  for (const c of estate.contradictions) {
    const identity = { accountId: c.accountId, region: c.region, cluster: c.cluster, database: c.database, partner: c.partner }
    findings.push({
      kind: 'error',
      severity: 'fail',
      fingerprint: fingerprintOf({ kind: 'error', ...identity }),
      ...identity,
      cause: { code: 'ContradictoryExpectations' satisfies CauseCode },
      message: `contradictory expectations: ${c.message}`,
      location: c.locations[0],
    })
  }
  for (const rule of estate.unusedRules) findings.push(unusedRule(rule))
  return findings
}

function lookupFailure(place: { accountId: string; region: string; cluster: string }, what: string, label: string, error: LookupError, location: Finding['location']): Finding {
  return {
    kind: 'error',
    severity: 'fail',
    fingerprint: fingerprintOf({ kind: 'error', ...place }),
    ...place,
    cause: { code: error.code, ...(error.source ? { source: error.source } : {}), requestId: error.requestId, hint: error.hint },
    message: `${what}: ${describeObservationError(label, error)}${error.requestId ? ` (request id ${error.requestId})` : ''}`,
    ...(location ? { location } : {}),
  }
}

function unusedRule(rule: DesiredRule): Finding {
  const globs = (list: readonly string[]): string => (list.length ? list.join(',') : '*')
  const place = { accountId: globs(rule.match.accountId), region: globs(rule.match.region), cluster: globs(rule.match.cluster) }
  return {
    kind: 'unused-rule',
    severity: FINDING_KIND_INFO['unused-rule'].defaultSeverity,
    // The rule's name is what makes it this rule: it stands where a partner would.
    fingerprint: fingerprintOf({ kind: 'unused-rule', accountId: '*', region: '*', cluster: '*', partner: rule.name }),
    ...place,
    message: `rule "${rule.name}" selects no discovered cluster`,
    location: rule.location,
  }
}

/** Coverage like driftctl's headline: how much of what discovery found the manifest covers, per account and region. */
export function coverageOf(estate: RuledEstate, outcome: DiscoveryOutcome, observations: ReadonlyMap<string, ClusterObservation>): Coverage {
  const scopes = new Map<string, CoverageCounts & { accountId: string; region: string; discovered: boolean }>()
  for (const { accountId, region, result } of outcome.scopes) {
    scopes.set(`${accountId}/${region}`, { accountId, region, discovered: result.kind === 'discovered', ...emptyCounts() })
  }
  for (const c of estate.coverage) {
    const scope = scopes.get(`${c.accountId}/${c.region}`)
    if (!scope) continue
    scope.clusters++
    if (c.rules.length > 0) scope.byRules++
    if (c.entry) scope.byEntries++
    if (c.rules.length === 0 && !c.entry) {
      scope.unmanaged++
      const observation = observations.get(clusterKey(c))
      if (observation?.kind === 'observed' && observation.integrations.length > 0) scope.unmanagedWithIntegrations++
    }
  }
  // By name, not in the order they were looked at: a merge of shard reports gives the same list.
  const list = [...scopes.values()].sort((a, b) => compareText(`${a.accountId}/${a.region}`, `${b.accountId}/${b.region}`))
  const total = emptyCounts()
  for (const s of list) for (const key of Object.keys(total) as Array<keyof CoverageCounts>) total[key] += s[key]
  return { ...total, scopes: list }
}

function emptyCounts(): CoverageCounts {
  return { clusters: 0, byRules: 0, byEntries: 0, unmanaged: 0, unmanagedWithIntegrations: 0 }
}
