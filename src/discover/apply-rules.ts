/**
 * Rules turn the manifest into a policy over a population: every discovered cluster gets the
 * expectations of each rule that selects it and of its explicit `clusters:` entry, combined.
 * Pure: desired state and discovered clusters in, the clusters to observe and judge out.
 *
 * Combining never picks silently. Two contributors that disagree about one partner (one expects
 * it and another forbids it, or they accept different statuses or ages) make a contradiction,
 * which the run reports as an error of that cluster naming both places. Settings that only
 * tighten (`extra`, `policy`) take the strictest value any contributor gives.
 */
import type { DesiredCluster, DesiredDatabase, DesiredDiscovery, DesiredRule, DesiredState, ExpectedPartner, ExtraPolicy, ForbiddenPartner, PolicySeverity, SeverityPolicy } from '../manifest/desired-state.js'
import { clusterKey, type ClusterIdentity, roleForAccount } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { DiscoveredCluster } from '../model/discovery.js'
import type { FileLocation } from '../model/finding.js'
import { glob } from '../policy/apply-policy.js'

/** Two places in the manifest that cannot both hold for one cluster. */
export interface Contradiction extends ClusterIdentity {
  database: string
  partner: string
  message: string
  /** Where the first contributor says it, then where the second one does. */
  locations: [FileLocation, FileLocation]
}

/** How one discovered cluster is covered. */
export interface ClusterCoverage extends ClusterIdentity {
  /** Names of the rules that select it, in manifest order. */
  rules: string[]
  /** Whether a `clusters:` entry names it. */
  entry: boolean
}

export interface RuledEstate {
  /** Every cluster to observe and judge: explicit entries (combined with rules when discovered), then the other discovered clusters. */
  clusters: DesiredCluster[]
  contradictions: Contradiction[]
  /** Rules that selected no discovered cluster. */
  unusedRules: DesiredRule[]
  /** One entry per discovered cluster. */
  coverage: ClusterCoverage[]
}

/** Whether a rule selects a cluster: every condition given holds; a list holds when any of its globs does. */
export function ruleSelects(rule: DesiredRule, cluster: DiscoveredCluster): boolean {
  const any = (patterns: readonly string[], value: string): boolean => patterns.length === 0 || patterns.some((p) => glob(p, value))
  const { match } = rule
  if (!any(match.accountId, cluster.accountId) || !any(match.region, cluster.region) || !any(match.cluster, cluster.cluster)) return false
  // A tag condition holds when the cluster has that key (exactly) with a value any of the globs matches.
  return match.tags.every(({ key, values }) => cluster.tags.some((tag) => tag.key === key && any(values, tag.value)))
}

export function applyRules(desired: DesiredState, discovery: DesiredDiscovery, discovered: readonly DiscoveredCluster[]): RuledEstate {
  const entries = new Map(desired.clusters.map((c) => [clusterKey(c), c]))
  const used = new Set<DesiredRule>()
  const contradictions: Contradiction[] = []
  const coverage: ClusterCoverage[] = []
  const combined = new Map<string, DesiredCluster>()

  const seen = new Set<string>()
  for (const found of discovered) {
    const key = clusterKey(found)
    // A source that lists one cluster twice gets it judged once.
    if (seen.has(key)) continue
    seen.add(key)
    const identity = { accountId: found.accountId, region: found.region, cluster: found.cluster }
    const rules = discovery.rules.filter((rule) => ruleSelects(rule, found))
    for (const rule of rules) used.add(rule)
    const entry = entries.get(key)
    coverage.push({ ...identity, rules: rules.map((r) => r.name), entry: entry !== undefined })
    if (!entry && rules.length === 0) {
      combined.set(key, unmanagedCluster(discovery, identity))
      continue
    }
    const contributors: Contribution[] = [...(entry ? [contributionOfEntry(entry)] : []), ...rules.map(contributionOfRule)]
    const start = entry ?? startFromRule(discovery, identity, rules[0]!)
    combined.set(key, combine(start, contributors, contradictions))
  }

  // Explicit entries first, in manifest order, whether discovery found them or not; then the rest by name.
  const clusters = desired.clusters.map((c) => combined.get(clusterKey(c)) ?? c)
  const others = [...combined.entries()].filter(([key]) => !entries.has(key)).map(([, c]) => c)
  others.sort((a, b) => compareText(clusterKey(a), clusterKey(b)))
  return {
    clusters: [...clusters, ...others],
    contradictions,
    unusedRules: discovery.rules.filter((rule) => !used.has(rule)),
    coverage,
  }
}

/** What one rule or entry says about a cluster. */
interface Contribution {
  extra: ExtraPolicy
  absent: ForbiddenPartner[]
  databases: DesiredDatabase[]
  policy: SeverityPolicy
}

function contributionOfEntry(entry: DesiredCluster): Contribution {
  return { extra: entry.extra, absent: entry.absent, databases: entry.databases, policy: entry.policy }
}

function contributionOfRule(rule: DesiredRule): Contribution {
  return { extra: rule.extra, absent: rule.absent, databases: rule.databases, policy: rule.policy }
}

function startFromRule(discovery: DesiredDiscovery, identity: ClusterIdentity, rule: DesiredRule): DesiredCluster {
  const assumeRole = discovery.settings.assumeRole
  return {
    ...identity,
    ...(assumeRole ? { assumeRole: roleForAccount(assumeRole, identity.accountId) } : {}),
    location: rule.location,
    extra: rule.extra,
    absent: [],
    databases: [],
    policy: {},
    fromDiscovery: true,
  }
}

/** A discovered cluster nothing covers: each integration on it is `unmanaged`, and what is forbidden everywhere is forbidden here. */
function unmanagedCluster(discovery: DesiredDiscovery, identity: ClusterIdentity): DesiredCluster {
  const assumeRole = discovery.settings.assumeRole
  return {
    ...identity,
    ...(assumeRole ? { assumeRole: roleForAccount(assumeRole, identity.accountId) } : {}),
    location: discovery.settings.location,
    extra: discovery.unmanaged,
    absent: discovery.defaultAbsent,
    databases: [],
    policy: discovery.policy,
    unmanaged: true,
    fromDiscovery: true,
  }
}

const EXTRA_STRICTNESS: Record<ExtraPolicy, number> = { ignore: 0, warn: 1, fail: 2 }
const SEVERITY_STRICTNESS: Record<PolicySeverity, number> = { off: 0, warn: 1, fail: 2 }

function stricterExtra(a: ExtraPolicy, b: ExtraPolicy): ExtraPolicy {
  return EXTRA_STRICTNESS[b] > EXTRA_STRICTNESS[a] ? b : a
}

function stricterPolicy(a: SeverityPolicy, b: SeverityPolicy): SeverityPolicy {
  const result: SeverityPolicy = { ...a }
  for (const [kind, severity] of Object.entries(b) as Array<[keyof SeverityPolicy, PolicySeverity]>) {
    const current = result[kind]
    if (current === undefined || SEVERITY_STRICTNESS[severity] > SEVERITY_STRICTNESS[current]) result[kind] = severity
  }
  return result
}

/** Adds each partner once, keeping the first place that names it. */
function unionAbsent(a: readonly ForbiddenPartner[], b: readonly ForbiddenPartner[]): ForbiddenPartner[] {
  const byPartner = new Map(a.map((f) => [f.partner, f]))
  for (const f of b) if (!byPartner.has(f.partner)) byPartner.set(f.partner, f)
  return [...byPartner.values()]
}

function combine(start: DesiredCluster, contributors: readonly Contribution[], contradictions: Contradiction[]): DesiredCluster {
  const identity = { accountId: start.accountId, region: start.region, cluster: start.cluster }
  let extra = start.extra
  let policy: SeverityPolicy = {}
  let absent: ForbiddenPartner[] = []
  const databases = new Map<string, DesiredDatabase>()
  for (const c of contributors) {
    extra = stricterExtra(extra, c.extra)
    policy = stricterPolicy(policy, c.policy)
    absent = unionAbsent(absent, c.absent)
    for (const database of c.databases) {
      const current = databases.get(database.database)
      databases.set(database.database, current ? mergeDatabase(identity, current, database, contradictions) : database)
    }
  }
  // What one contributor forbids on the whole cluster is forbidden on every database another one lists.
  const merged = [...databases.values()].map((d) => ({ ...d, absent: unionAbsent(d.absent, absent) }))
  for (const database of merged) {
    for (const partner of database.partners) {
      const forbidden = database.absent.find((f) => f.partner === partner.partner)
      if (forbidden) {
        contradictions.push({
          ...identity,
          database: database.database,
          partner: partner.partner,
          message: `partner ${partner.partner} on database ${database.database} is expected at ${where(partner.location)} and forbidden at ${where(forbidden.location)}`,
          locations: [partner.location, forbidden.location],
        })
      }
    }
  }
  return { ...start, extra, policy, absent, databases: merged }
}

function mergeDatabase(identity: ClusterIdentity, a: DesiredDatabase, b: DesiredDatabase, contradictions: Contradiction[]): DesiredDatabase {
  const partners = new Map(a.partners.map((p) => [p.partner, p]))
  for (const partner of b.partners) {
    const current = partners.get(partner.partner)
    if (!current) {
      partners.set(partner.partner, partner)
      continue
    }
    const disagreement = disagreementOf(current, partner)
    if (disagreement) {
      contradictions.push({
        ...identity,
        database: a.database,
        partner: partner.partner,
        message: `partner ${partner.partner} on database ${a.database}: ${disagreement} (${where(current.location)} and ${where(partner.location)})`,
        locations: [current.location, partner.location],
      })
    }
  }
  return { ...a, extra: stricterExtra(a.extra, b.extra), partners: [...partners.values()], absent: unionAbsent(a.absent, b.absent) }
}

function disagreementOf(a: ExpectedPartner, b: ExpectedPartner): string | undefined {
  const statuses = (p: ExpectedPartner): string => [...p.statuses].sort(compareText).join(' or ')
  if (statuses(a) !== statuses(b)) return `one place accepts status ${statuses(a)}, the other ${statuses(b)}`
  if (a.maxStatusAgeMs !== b.maxStatusAgeMs) return `one place allows a status age of ${a.maxStatusAge ?? 'any'}, the other ${b.maxStatusAge ?? 'any'}`
  return undefined
}

function where(l: FileLocation): string {
  return `${l.file}:${l.line}:${l.column}`
}
