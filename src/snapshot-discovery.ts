/**
 * What a snapshot records of discovery, so that `check --source snapshot:FILE` replays it and
 * gives the findings the live run gave: per account and region the clusters found (with the
 * API's field names, as `aws redshift describe-clusters` prints them) or the error, and the
 * organization's accounts when they were listed.
 */
import type { LocatedDocument } from './input/document.js'
import type { AccountListing, DiscoveryOutcome, DiscoveryRequest, LookupError, ScopeDiscovery } from './model/discovery.js'

interface RecordedError {
  code: string
  message: string
  requestId?: string
  hint?: string
  source?: string
}

/** A DescribeClusters item, reduced to what partner-drift reads. */
export interface RecordedCluster {
  ClusterIdentifier: string
  ClusterStatus?: string
  Tags: Array<{ Key: string; Value: string }>
}

export type RecordedScope = { accountId: string; region: string } & ({ discoveredAt: string; Clusters: RecordedCluster[] } | { error: RecordedError })

export interface SnapshotDiscovery {
  /** The accounts of the organization, as ListAccounts gives them, and the OUs they were listed for. */
  organization?: { ous?: string[] } & ({ listedAt: string; Accounts: Array<{ Id: string; Name?: string; Status: string }> } | { error: RecordedError })
  scopes: RecordedScope[]
}

/** What `partner-drift snapshot` writes of a discovery. */
export function snapshotDiscoveryOf(outcome: DiscoveryOutcome, request: DiscoveryRequest): SnapshotDiscovery {
  const org = outcome.organization
  const ous = request.organization?.ous ? { ous: request.organization.ous } : {}
  return {
    ...(org
      ? {
          organization:
            org.kind === 'error'
              ? { ...ous, error: recordedError(org) }
              : { ...ous, listedAt: org.listedAt, Accounts: org.accounts.map((a) => ({ Id: a.accountId, ...(a.name !== undefined ? { Name: a.name } : {}), Status: a.status })) },
        }
      : {}),
    scopes: outcome.scopes.map(({ accountId, region, result }): RecordedScope =>
      result.kind === 'error'
        ? { accountId, region, error: recordedError(result) }
        : {
            accountId,
            region,
            discoveredAt: result.discoveredAt,
            Clusters: result.clusters.map((c) => ({
              ClusterIdentifier: c.cluster,
              ...(c.status !== undefined ? { ClusterStatus: c.status } : {}),
              Tags: c.tags.map((t) => ({ Key: t.key, Value: t.value })),
            })),
          },
    ),
  }
}

function recordedError(e: LookupError): RecordedError {
  return { code: e.code, message: e.message, ...(e.requestId ? { requestId: e.requestId } : {}), ...(e.hint ? { hint: e.hint } : {}), ...(e.source ? { source: e.source } : {}) }
}

function lookupError(e: RecordedError): LookupError {
  return { kind: 'error', ...e }
}

/** A recorded discovery, for replay: by `account/region`, and the organization with the OUs it was listed for. */
export interface RecordedDiscovery {
  organization?: { ous?: string[]; listing: AccountListing }
  scopes: Map<string, ScopeDiscovery>
}

/** The discovery of a snapshot document already checked against the snapshot schema (by `readSnapshotObservations`). */
export function readSnapshotDiscovery(doc: LocatedDocument): RecordedDiscovery | undefined {
  const recorded = (doc.value as { discovery?: SnapshotDiscovery }).discovery
  if (!recorded) return undefined
  const scopes = new Map<string, ScopeDiscovery>()
  for (const scope of recorded.scopes) {
    const key = `${scope.accountId}/${scope.region}`
    if (scopes.has(key)) continue
    scopes.set(
      key,
      'error' in scope
        ? lookupError(scope.error)
        : {
            kind: 'discovered',
            discoveredAt: scope.discoveredAt,
            clusters: scope.Clusters.map((c) => ({ cluster: c.ClusterIdentifier, ...(c.ClusterStatus !== undefined ? { status: c.ClusterStatus } : {}), tags: c.Tags.map((t) => ({ key: t.Key, value: t.Value })) })),
          },
    )
  }
  const org = recorded.organization
  return {
    ...(org
      ? {
          organization: {
            ...(org.ous ? { ous: org.ous } : {}),
            listing: 'error' in org ? lookupError(org.error) : { kind: 'listed', listedAt: org.listedAt, accounts: org.Accounts.map((a) => ({ accountId: a.Id, ...(a.Name !== undefined ? { name: a.Name } : {}), status: a.Status })) },
          },
        }
      : {}),
    scopes,
  }
}
