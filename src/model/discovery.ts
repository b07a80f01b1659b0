import type { ClusterIdentity } from './cluster.js'

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

/** Why something could not be looked at: as an observation error, with the source that saw it. */
export interface LookupError {
  kind: 'error'
  code: string
  message: string
  requestId?: string
  hint?: string
  source?: string
}

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
