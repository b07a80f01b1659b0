/**
 * The snapshot format (version 1): recorded `DescribePartners` answers, one per cluster, with
 * the API's own field names so that `aws redshift describe-partners` output can be pasted in.
 * Read by the snapshot source, written by `partner-drift snapshot`.
 */
import { type Diagnostic, InputError } from './input/diagnostics.js'
import { formatKeyPath, type LocatedDocument } from './input/document.js'
import { checkAgainstSchema } from './input/schema-check.js'
import { clusterKey, type ClusterTarget } from './model/cluster.js'
import type { ObservationCode } from './model/error-codes.js'
import { type ClusterObservation, observedIntegrationOf, type PartnerIntegrationInfo as RecordedPartnerIntegrationInfo } from './model/observation.js'
import { loadSchema } from './schemas.js'
import type { SnapshotDiscovery } from './snapshot-discovery.js'
import { excerpt } from './untrusted-text.js'

export const SNAPSHOT_VERSION = 1

/** `DescribePartners` field names, as on the wire; a snapshot records timestamps as text. */
export type PartnerIntegrationInfo = RecordedPartnerIntegrationInfo & { CreatedAt?: string; UpdatedAt?: string }

export interface SnapshotCluster {
  accountId: string
  region: string
  cluster: string
  capturedAt?: string
  PartnerIntegrationInfoList?: PartnerIntegrationInfo[]
  error?: { code: string; message: string; requestId?: string; hint?: string; source?: string }
}

export interface Snapshot {
  version: typeof SNAPSHOT_VERSION
  capturedAt: string
  clusters: SnapshotCluster[]
  /** With a manifest that discovers clusters: what discovery found (see snapshot-discovery.ts). */
  discovery?: SnapshotDiscovery
}

/**
 * Validates a parsed snapshot document and returns one observation per recorded cluster.
 * Throws an `InputError` listing every problem (syntax, schema, duplicate clusters) at once.
 */
export function readSnapshotObservations(doc: LocatedDocument): Map<string, ClusterObservation> {
  if (doc.diagnostics.length > 0) throw new InputError(doc.diagnostics)
  const diagnostics: Diagnostic[] = checkAgainstSchema(doc, loadSchema('snapshot'))
  if (diagnostics.length > 0) throw new InputError(diagnostics)
  const snapshot = doc.value as Snapshot
  const observations = new Map<string, ClusterObservation>()
  const firstSeen = new Map<string, number>()
  snapshot.clusters.forEach((entry, i) => {
    const key = clusterKey(entry)
    const first = firstSeen.get(key)
    if (first !== undefined) {
      const at = doc.locate(['clusters', first])
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-cluster',
        file: doc.file,
        ...doc.locate(['clusters', i]),
        path: formatKeyPath(['clusters', i]),
        message: `cluster ${excerpt(entry.cluster)} (account ${entry.accountId}, ${entry.region}) is recorded twice; first at ${doc.file}:${at.line}:${at.column}`,
        hint: 'keep one entry per cluster',
      })
      return
    }
    firstSeen.set(key, i)
    observations.set(key, toObservation(entry, entry.capturedAt ?? snapshot.capturedAt))
  })
  if (diagnostics.length > 0) throw new InputError(diagnostics)
  return observations
}

function toObservation(entry: SnapshotCluster, observedAt: string): ClusterObservation {
  if (entry.error) {
    if (entry.error.code === 'ClusterNotFound') return { kind: 'not-found', observedAt, message: entry.error.message }
    const { code, requestId, hint } = entry.error
    const { message, source } = recordedSource(entry.error)
    return { kind: 'error', code, message, ...(requestId ? { requestId } : {}), ...(hint ? { hint } : {}), ...(source ? { source } : {}) }
  }
  const integrations = (entry.PartnerIntegrationInfoList ?? []).map(observedIntegrationOf)
  return { kind: 'observed', observedAt, integrations }
}

/**
 * Snapshots written before errors carried their source as a field kept it in the message
 * (`[source aws] analytics-prod: AccessDenied: ...`); read that way, a replay shows it once, as before.
 */
function recordedSource(error: { message: string; source?: string }): { message: string; source?: string } {
  if (error.source !== undefined) return error
  const legacy = /^\[source ([a-z][a-z0-9-]*)\] [^:]*: (.*)$/s.exec(error.message)
  return legacy ? { source: legacy[1], message: legacy[2]! } : error
}

/** The inverse of `readSnapshotObservations`: what `partner-drift snapshot` writes. */
export function buildSnapshot(targets: ClusterTarget[], observations: ReadonlyMap<string, ClusterObservation>, capturedAt: string, discovery?: SnapshotDiscovery): Snapshot {
  const clusters = targets.map((t): SnapshotCluster => {
    const observation = observations.get(clusterKey(t))
    const base = { accountId: t.accountId, region: t.region, cluster: t.cluster }
    if (!observation) return { ...base, error: { code: 'NotObserved' satisfies ObservationCode, message: 'the source returned nothing for this cluster' } }
    if (observation.kind === 'error') {
      const { code, message, requestId, hint, source } = observation
      return { ...base, error: { code, message, ...(requestId ? { requestId } : {}), ...(hint ? { hint } : {}), ...(source ? { source } : {}) } }
    }
    const at = observation.observedAt === capturedAt ? {} : { capturedAt: observation.observedAt }
    if (observation.kind === 'not-found') return { ...base, ...at, error: { code: 'ClusterNotFound', message: observation.message } }
    return {
      ...base,
      ...at,
      PartnerIntegrationInfoList: observation.integrations.map((i) => ({
        DatabaseName: i.database,
        PartnerName: i.partner,
        Status: i.status,
        ...(i.statusMessage !== undefined ? { StatusMessage: i.statusMessage } : {}),
        ...(i.createdAt !== undefined ? { CreatedAt: i.createdAt } : {}),
        ...(i.updatedAt !== undefined ? { UpdatedAt: i.updatedAt } : {}),
      })),
    }
  })
  return { version: SNAPSHOT_VERSION, capturedAt, clusters, ...(discovery ? { discovery } : {}) }
}
