import type { ClusterIdentity } from './cluster.js'
import type { FileLocation } from './finding.js'
import type { LookupError } from './observation.js'
import type { CoverageCounts } from './report.js'

/** Where to look for clusters: one account in one region. */
export interface DiscoveryScope {
  accountId: string
  region: string
  /** Role ARN to assume in that account, `{accountId}` already filled in. */
  assumeRole?: string
}

/** A tag as DescribeClusters returns it. Keys are untrusted text: keep them in lists and Maps, never as object keys. */
export interface ClusterTag {
  key: string
  value: string
}

/** A cluster found by discovery in a scope. */
export interface FoundCluster {
  cluster: string
  /** DescribeClusters' ClusterStatus: available, paused, creating, deleting, ... */
  status?: string
  tags: ClusterTag[]
}

/** A discovered cluster with the scope it was found in. */
export interface DiscoveredCluster extends ClusterIdentity, FoundCluster {}

export type { LookupError } from './observation.js'

/** What a source found in one scope: every cluster (all pages), or why it could not look. */
export type ScopeDiscovery = { kind: 'discovered'; discoveredAt: string; clusters: FoundCluster[] } | LookupError

/** An account of an AWS Organization. */
export interface OrganizationAccount {
  accountId: string
  name?: string
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE: only ACTIVE accounts are discovered. */
  status: string
}

/** The accounts of an organization (or of some of its OUs, recursively), or why they could not be listed. */
export type AccountListing = { kind: 'listed'; listedAt: string; accounts: OrganizationAccount[] } | LookupError

/** What to list: the whole organization, or only these OUs and their children. */
export interface AccountListingRequest {
  ous?: string[]
}

/** Where discovery looks: listed accounts or the organization's, in every given region. */
export interface DiscoveryRequest {
  accounts?: string[]
  organization?: { ous?: string[]; exclude: string[] }
  regions: string[]
  /** Role ARN with `{accountId}` not yet filled in. */
  assumeRole?: string
}

/** What one scope gave. */
export interface ScopeResult extends DiscoveryScope {
  result: ScopeDiscovery
}

/** Everything discovery saw, scope by scope: what snapshots record and replays give back. */
export interface DiscoveryOutcome {
  /** Present when the accounts came from the organization. */
  organization?: AccountListing
  scopes: ScopeResult[]
}

/** Every cluster discovery found, with the scope it was found in. */
export function discoveredClusters(outcome: DiscoveryOutcome): DiscoveredCluster[] {
  return outcome.scopes.flatMap(({ accountId, region, result }) => (result.kind === 'discovered' ? result.clusters.map((c) => ({ accountId, region, ...c })) : []))
}

/** What `partner-drift discover` shows: every discovered cluster with what covers it, judged on nothing. */
export interface DiscoveryListing {
  manifest: string
  source: string
  /** When the accounts came from the organization: how many it listed and how many are looked in, or why it could not list them. */
  organization?: { accounts: number; active: number } | { error: LookupError }
  scopes: Array<{
    accountId: string
    region: string
    error?: LookupError
    clusters: Array<{ cluster: string; status?: string; tags: ClusterTag[]; rules: string[]; entry: boolean }>
  }>
  unusedRules: Array<{ name: string; location: FileLocation }>
  /** Without observing, which unmanaged clusters have integrations is not known: `check` counts that. */
  coverage: Omit<CoverageCounts, 'unmanagedWithIntegrations'>
  /** 1 when any scope or the organization could not be looked at, else 0. */
  exitCode: 0 | 1
}
