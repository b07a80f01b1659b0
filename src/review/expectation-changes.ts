import { isDeepStrictEqual } from 'node:util'

import { discoveryRequestOf } from '../check.js'
import type { DesiredCluster, DesiredDatabase, DesiredRule, DesiredState, ExpectedPartner, ForbiddenPartner, SeverityPolicy } from '../manifest/desired-state.js'
import { clusterKey } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import { POLICY_KINDS } from '../model/finding-kinds.js'
import type { FileLocation } from '../model/finding.js'
import type { ExpectationChange } from '../model/review.js'

/**
 * What a manifest change declares differently, leaf by leaf: each expected integration (its status
 * set and maxStatusAge), each `absent` entry, `extra` and `policy` of the clusters both declare,
 * and with discovery each rule, `discover:` and `unmanaged:`. Added and changed expectations are
 * located in the head, removed ones in the base. A cluster entry is a change of its own only when
 * it expects nothing (otherwise its integrations are the changes), so nothing is counted twice.
 */
export function expectationChanges(base: DesiredState, head: DesiredState): ExpectationChange[] {
  const changes: ExpectationChange[] = []
  const baseClusters = new Map(base.clusters.map((c) => [clusterKey(c), c]))
  const headKeys = new Set(head.clusters.map(clusterKey))
  for (const cluster of head.clusters) changes.push(...clusterChanges(baseClusters.get(clusterKey(cluster)), cluster))
  for (const cluster of base.clusters) if (!headKeys.has(clusterKey(cluster))) changes.push(...clusterChanges(cluster, undefined))
  changes.push(...discoveryChanges(base, head))
  return orderChanges(mergeInherited(changes), head.file)
}

function clusterChanges(before: DesiredCluster | undefined, after: DesiredCluster | undefined): ExpectationChange[] {
  // A change touches a few clusters of thousands: the others are told apart without a map, a set or a text each.
  if (before && after && declaresTheSame(before, after)) return []
  const cluster = (after ?? before)!
  const identity = { accountId: cluster.accountId, region: cluster.region, cluster: cluster.cluster }
  const name = cluster.cluster
  const changes: ExpectationChange[] = []
  changes.push(...absentChanges(before?.absent ?? [], after?.absent ?? [], identity, name))

  const beforeDatabases = new Map((before?.databases ?? []).map((d) => [d.database, d]))
  const afterNames = new Set((after?.databases ?? []).map((d) => d.database))
  const pairs: Array<[DesiredDatabase | undefined, DesiredDatabase | undefined]> = [
    ...(after?.databases ?? []).map((d): [DesiredDatabase | undefined, DesiredDatabase] => [beforeDatabases.get(d.database), d]),
    ...(before?.databases ?? []).filter((d) => !afterNames.has(d.database)).map((d): [DesiredDatabase, undefined] => [d, undefined]),
  ]
  for (const [was, now] of pairs) {
    const database = (now ?? was)!.database
    const place = `${name}/${database}`
    const wasPartners = new Map((was?.partners ?? []).map((p) => [p.partner, p]))
    const nowNames = new Set((now?.partners ?? []).map((p) => p.partner))
    for (const p of now?.partners ?? []) {
      const old = wasPartners.get(p.partner)
      const common = { subject: 'integration' as const, ...identity, database, partner: p.partner, location: p.location }
      if (!old) changes.push({ change: 'added', ...common, after: expectedText(p), message: `expects ${p.partner} on ${place} (${expectedText(p)})` })
      else if (expectedText(old) !== expectedText(p)) {
        changes.push({ change: 'changed', ...common, before: expectedText(old), after: expectedText(p), message: `${p.partner} on ${place}: ${expectedText(old)} → ${expectedText(p)}` })
      }
    }
    for (const p of was?.partners ?? []) {
      if (nowNames.has(p.partner)) continue
      changes.push({ change: 'removed', subject: 'integration', ...identity, database, partner: p.partner, before: expectedText(p), message: `no longer expects ${p.partner} on ${place} (was ${expectedText(p)})`, location: p.location })
    }
    // A database's own `absent` entries: what it adds to its cluster's.
    const own = (d: DesiredDatabase | undefined, c: DesiredCluster | undefined): ForbiddenPartner[] => (d?.absent ?? []).filter((a) => !(c?.absent ?? []).some((ca) => ca.partner === a.partner))
    changes.push(...absentChanges(own(was, before), own(now, after), { ...identity, database }, place))
    // `extra` of a database is a change of its own only where it differs from its cluster's.
    if (was && now && before && after && was.extra !== now.extra && (was.extra !== before.extra || now.extra !== after.extra)) {
      changes.push({ change: 'changed', subject: 'extra', ...identity, database, before: was.extra, after: now.extra, message: `extra on ${place}: ${was.extra} → ${now.extra}`, location: now.location })
    }
  }

  if (before && after) {
    if (before.extra !== after.extra) {
      changes.push({ change: 'changed', subject: 'extra', ...identity, before: before.extra, after: after.extra, message: `extra on ${name}: ${before.extra} → ${after.extra}`, location: after.location })
    }
    const policy = policyChange(before.policy, after.policy)
    if (policy) changes.push({ change: 'changed', subject: 'policy', ...identity, ...policy, message: `policy on ${name}: ${policy.before} → ${policy.after}`, location: after.location })
  }
  const expects = (c: DesiredCluster | undefined): boolean => Boolean(c?.databases.some((d) => d.partners.length > 0))
  if (!before !== !after && !expects(cluster)) {
    const where = `${name} (account ${cluster.accountId}, ${cluster.region})`
    changes.push(
      after
        ? { change: 'added', subject: 'cluster', ...identity, message: `declares ${where}, expecting no integration`, location: after.location }
        : { change: 'removed', subject: 'cluster', ...identity, message: `no longer declares ${where}`, location: cluster.location },
    )
  }
  return changes
}

/**
 * True only when `clusterChanges` finds nothing: the same `extra`, policy and `absent` names, and
 * the same databases with the same partners, statuses and maxStatusAge, in the same order. (Written
 * in another order, they are left to `clusterChanges`, which finds no change either.)
 */
function declaresTheSame(before: DesiredCluster, after: DesiredCluster): boolean {
  const sameNames = (a: ReadonlyArray<{ partner: string }>, b: ReadonlyArray<{ partner: string }>) => a.length === b.length && a.every((x, i) => x.partner === b[i]!.partner)
  const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])
  if (before.extra !== after.extra || !sameNames(before.absent, after.absent) || POLICY_KINDS.some((k) => before.policy[k] !== after.policy[k])) return false
  if (before.databases.length !== after.databases.length) return false
  return before.databases.every((was, i) => {
    const now = after.databases[i]!
    if (was.database !== now.database || was.extra !== now.extra || !sameNames(was.absent, now.absent) || was.partners.length !== now.partners.length) return false
    return was.partners.every((p, j) => {
      const q = now.partners[j]!
      return p.partner === q.partner && p.maxStatusAge === q.maxStatusAge && sameList(p.statuses, q.statuses)
    })
  })
}

function absentChanges(before: readonly ForbiddenPartner[], after: readonly ForbiddenPartner[], identity: Partial<ExpectationChange>, place: string): ExpectationChange[] {
  const had = new Set(before.map((a) => a.partner))
  const has = new Set(after.map((a) => a.partner))
  return [
    ...after.filter((a) => !had.has(a.partner)).map((a): ExpectationChange => ({ change: 'added', subject: 'absent', ...identity, partner: a.partner, message: `forbids ${a.partner} on ${place}`, location: a.location })),
    ...before.filter((a) => !has.has(a.partner)).map((a): ExpectationChange => ({ change: 'removed', subject: 'absent', ...identity, partner: a.partner, message: `no longer forbids ${a.partner} on ${place}`, location: a.location })),
  ]
}

/** `status Active or Inactive, maxStatusAge 7d`: what an expected integration accepts. Statuses are a set. */
function expectedText(p: ExpectedPartner): string {
  return `status ${[...p.statuses].sort(compareText).join(' or ')}${p.maxStatusAge ? `, maxStatusAge ${p.maxStatusAge}` : ''}`
}

/** The kinds whose severity differs, as `missing: fail` before and `missing: warn` after (unset: the default). */
function policyChange(before: SeverityPolicy, after: SeverityPolicy): { before: string; after: string } | undefined {
  const kinds = POLICY_KINDS.filter((k) => before[k] !== after[k])
  if (kinds.length === 0) return undefined
  const text = (p: SeverityPolicy): string => kinds.map((k) => `${k}: ${p[k] ?? 'default'}`).join(', ')
  return { before: text(before), after: text(after) }
}

function discoveryChanges(base: DesiredState, head: DesiredState): ExpectationChange[] {
  const was = base.discovery
  const now = head.discovery
  const changes: ExpectationChange[] = []
  if (now && !was) changes.push({ change: 'added', subject: 'discover', message: 'discovers clusters (discover:)', location: now.settings.location })
  if (was && !now) changes.push({ change: 'removed', subject: 'discover', message: 'no longer discovers clusters (discover:)', location: was.settings.location })
  if (was && now) {
    if (!isDeepStrictEqual(discoveryRequestOf(was.settings), discoveryRequestOf(now.settings))) {
      changes.push({ change: 'changed', subject: 'discover', message: 'discover: looks in other accounts, regions or with another role', location: now.settings.location })
    }
    if (was.unmanaged !== now.unmanaged) {
      changes.push({ change: 'changed', subject: 'unmanaged', before: was.unmanaged, after: now.unmanaged, message: `unmanaged: ${was.unmanaged} → ${now.unmanaged}`, location: now.settings.location })
    }
  }
  const wasRules = new Map((was?.rules ?? []).map((r) => [r.name, r]))
  const nowNames = new Set((now?.rules ?? []).map((r) => r.name))
  for (const rule of now?.rules ?? []) {
    const old = wasRules.get(rule.name)
    if (!old) {
      changes.push({ change: 'added', subject: 'rule', rule: rule.name, message: `adds rule ${rule.name}`, location: rule.location })
      continue
    }
    const parts = (['match', 'databases', 'absent', 'extra', 'policy'] as const).filter((part) => !isDeepStrictEqual(ruleShape(old)[part], ruleShape(rule)[part]))
    if (parts.length) changes.push({ change: 'changed', subject: 'rule', rule: rule.name, message: `rule ${rule.name}: ${parts.join(', ')} changed`, location: rule.location })
  }
  for (const rule of was?.rules ?? []) {
    if (!nowNames.has(rule.name)) changes.push({ change: 'removed', subject: 'rule', rule: rule.name, message: `removes rule ${rule.name}`, location: rule.location })
  }
  return changes
}

/** What a rule declares, without where: two rules are the same when these are. */
function ruleShape(rule: DesiredRule) {
  return {
    match: rule.match,
    extra: rule.extra,
    absent: rule.absent.map((a) => a.partner).sort(compareText),
    databases: rule.databases.map((d) => ({ database: d.database, extra: d.extra, absent: d.absent.map((a) => a.partner).sort(compareText), partners: d.partners.map((p) => [p.partner, expectedText(p)]) })),
    policy: POLICY_KINDS.map((k) => rule.policy[k] ?? 'default'),
  }
}

/**
 * An `absent` entry of `defaults` is inherited by every cluster: adding one is one change at one
 * place, not one per cluster. Changes of the same entry are said once, naming how many clusters.
 */
function mergeInherited(changes: ExpectationChange[]): ExpectationChange[] {
  const groups = new Map<string, ExpectationChange[]>()
  const merged: ExpectationChange[] = []
  for (const change of changes) {
    if (change.subject !== 'absent' || change.database !== undefined) {
      merged.push(change)
      continue
    }
    const key = `${change.change}\u0000${change.partner}\u0000${where(change.location)}`
    const group = groups.get(key)
    if (group) group.push(change)
    else {
      groups.set(key, [change])
      merged.push(change)
    }
  }
  return merged.map((change) => {
    const group = change.subject === 'absent' && change.database === undefined ? groups.get(`${change.change}\u0000${change.partner}\u0000${where(change.location)}`) : undefined
    if (!group || group.length === 1) return change
    const { accountId: _a, region: _r, cluster: _c, ...rest } = change
    return { ...rest, message: `${change.change === 'added' ? 'forbids' : 'no longer forbids'} ${change.partner} on ${group.length} clusters` }
  })
}

/** Head's changes in the head's order, then the base's removals in the base's. */
function orderChanges(changes: ExpectationChange[], headFile: string): ExpectationChange[] {
  return changes
    .map((change, i) => ({ change, i }))
    .sort((a, b) => {
      const inHead = (c: ExpectationChange): number => (c.location.file === headFile ? 0 : 1)
      return inHead(a.change) - inHead(b.change) || a.change.location.line - b.change.location.line || a.change.location.column - b.change.location.column || a.i - b.i
    })
    .map(({ change }) => change)
}

function where(l: FileLocation): string {
  return `${l.file}:${l.line}:${l.column}`
}
