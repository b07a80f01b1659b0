/** The state a manifest declares, with every default resolved and every entry located in its file. */

import type { ClusterTarget } from '../model/cluster.js'
import type { PolicyKind } from '../model/finding-kinds.js'
import type { FileLocation } from '../model/finding.js'

/** What to do with an integration the manifest does not name. */
export type ExtraPolicy = 'fail' | 'warn' | 'ignore'

export interface ExpectedPartner {
  partner: string
  /** Statuses that count as healthy: documented ones, or any other the manifest writes out. */
  statuses: string[]
  /** As written (`7d`), for messages. */
  maxStatusAge?: string
  maxStatusAgeMs?: number
  location: FileLocation
}

export interface ForbiddenPartner {
  partner: string
  location: FileLocation
}

export interface DesiredDatabase {
  database: string
  location: FileLocation
  extra: ExtraPolicy
  partners: ExpectedPartner[]
  /** Its own `absent` list plus everything inherited from the cluster and defaults. */
  absent: ForbiddenPartner[]
}

/** Per policy kind (see the finding-kind registry); `error` always fails (a gate that could not look must not pass). */
export type PolicySeverity = 'fail' | 'warn' | 'off'
export type SeverityPolicy = Partial<Record<PolicyKind, PolicySeverity>>

/** An accepted finding: matches by glob patterns and kind, with a reason and maybe an expiry. */
export interface FindingException {
  accountId: string
  region: string
  cluster: string
  database: string
  partner: string
  kinds: PolicyKind[]
  reason: string
  owner?: string
  /** `YYYY-MM-DD`, the last day it applies. */
  expires?: string
  location: FileLocation
}

/** The manifest's `exceptionRules`: what every exception must say (its own and those of `--exceptions` files). */
export interface ExceptionRules {
  requireOwner?: boolean
  requireExpiry?: boolean
  /** No exception may expire more than this many days after the day of the run. */
  maxDays?: number
}

export interface DesiredCluster extends ClusterTarget {
  /** Role ARN with `{accountId}` already substituted. */
  assumeRole?: string
  location: FileLocation
  /** Applies to databases the manifest does not list. */
  extra: ExtraPolicy
  /** Partners forbidden on every database of the cluster, including unlisted ones. */
  absent: ForbiddenPartner[]
  databases: DesiredDatabase[]
  /** The manifest's `policy` with this cluster's own `policy` on top. */
  policy: SeverityPolicy
  /** A discovered cluster no rule and no entry covers: its integrations are `unmanaged`, not `extra`. */
  unmanaged?: true
  /** Only discovery found it: no `clusters:` entry names it (its location is a rule's, or `discover:`). */
  fromDiscovery?: true
}

/** A rule's `match`: every condition given must hold; an empty list is no condition. Values are globs. */
export interface RuleMatch {
  accountId: string[]
  region: string[]
  cluster: string[]
  /** The cluster must have the key (exactly) with a value one of the globs matches. */
  tags: Array<{ key: string; values: string[] }>
}

/** Expectations for every cluster a rule selects: the body of a `clusters:` entry, defaults applied. */
export interface DesiredRule {
  name: string
  location: FileLocation
  match: RuleMatch
  extra: ExtraPolicy
  /** Partners forbidden on every database of a selected cluster. */
  absent: ForbiddenPartner[]
  databases: DesiredDatabase[]
  /** The manifest's `policy` with the rule's own on top. */
  policy: SeverityPolicy
}

/** Where to look for clusters (`discover:`). */
export interface DiscoverySettings {
  /** Listed accounts, or none when the accounts come from the organization. */
  accounts?: string[]
  organization?: { ous?: string[]; exclude: string[] }
  regions: string[]
  /** Role ARN, `{accountId}` not yet filled in. */
  assumeRole?: string
  location: FileLocation
}

/** Everything `discover:`, `rules:` and `unmanaged:` declare. */
export interface DesiredDiscovery {
  settings: DiscoverySettings
  rules: DesiredRule[]
  /** What integrations on clusters nothing covers are: failing, warnings, or ignored. */
  unmanaged: ExtraPolicy
  /** `defaults.absent`: forbidden everywhere, on clusters nothing covers too. */
  defaultAbsent: ForbiddenPartner[]
  /** The manifest's `policy`, for clusters nothing covers. */
  policy: SeverityPolicy
}

export interface DesiredState {
  file: string
  /** SHA-256 of the manifest file as read, when it was read from a file and asked for (`ManifestContext.digest`). */
  digest?: string
  clusters: DesiredCluster[]
  exceptions: FindingException[]
  /** Present when the manifest has `exceptionRules:`. */
  exceptionRules?: ExceptionRules
  /** Present when the manifest has `discover:`. */
  discovery?: DesiredDiscovery
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `1d12h` -> milliseconds. Input is schema-checked already. */
export function parseDuration(text: string): number {
  let total = 0
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) total += Number(amount) * UNIT_MS[unit]
  return total
}

/** 90061000 -> `1d 1h 1m`: the two or three largest units, enough for a human. */
export function formatDuration(ms: number): string {
  const parts: string[] = []
  let rest = Math.max(0, Math.floor(ms / 1000))
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / seconds)
    rest -= amount * seconds
    if (amount > 0 && parts.length < 3) parts.push(`${amount}${unit}`)
  }
  return parts.length ? parts.join(' ') : '0s'
}
