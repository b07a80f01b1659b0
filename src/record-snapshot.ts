import { type CheckRequest, discoveryRequestOf, observeTargets, targetsOf } from './check.js'
import { applyRules } from './discover/apply-rules.js'
import type { Diagnostic } from './input/diagnostics.js'
import { parseDocumentText } from './input/document.js'
import { manifestFromObservations } from './manifest/bootstrap-manifest.js'
import { loadManifest, type ManifestFallback, resolveManifest } from './manifest/load-manifest.js'
import { clusterKey, type ClusterTarget } from './model/cluster.js'
import { type DiscoveryOutcome, discoveredClusters, type LookupError } from './model/discovery.js'
import type { ClusterObservation } from './model/observation.js'
import type { ObserveOptions } from './observe/orchestrator.js'
import type { Shard } from './shard/assign-shards.js'
import { shardPlanOf } from './shard/shard-plan.js'
import { snapshotDiscoveryOf } from './snapshot-discovery.js'
import { buildSnapshot, type Snapshot } from './snapshot-format.js'

export type SnapshotRequest = Omit<CheckRequest, 'manifest' | 'policy' | 'fallback'> & {
  /** `--manifest-out`: also draw up a manifest declaring what was observed, named `label` in its diagnostics. */
  bootstrapManifest?: { label: string; /** What its `$schema` comment points at (default: the installed package's schema from the project root). */ schemaReference?: string }
  /** RFC 3339; now when left out. */
  capturedAt?: string
}

export interface RecordedSnapshot {
  targets: ClusterTarget[]
  observations: ReadonlyMap<string, ClusterObservation>
  snapshot: Snapshot
  /** Clusters the source failed on or returned nothing for, in the order of the targets. */
  notObserved: Array<{ target: ClusterTarget; observation?: ClusterObservation }>
  /** Clusters that do not exist. */
  notFound: Array<{ target: ClusterTarget; message: string }>
  /** Where discovery could not look: `organization`, or `account/region`. */
  notDiscovered: Array<{ place: string; error: LookupError }>
  /**
   * The manifest declaring what was observed, with the problems `validate` would find in it;
   * `none` when nothing was observed (a manifest with no cluster is invalid). Only when asked for.
   */
  bootstrapManifest?: { text: string; diagnostics: Diagnostic[] } | 'none'
}

/** What to record: the clusters a manifest declares and, with `discover:`, where to look for more and which of those to record. */
export interface SnapshotPlan {
  targets: ClusterTarget[]
  discovery?: NonNullable<ObserveOptions['discovery']>
}

/** The plan of a manifest, or its problems (a warning may come with a plan, an error never does). */
export async function snapshotPlanOf(manifest: string, fallback?: ManifestFallback, shard?: Shard): Promise<{ diagnostics: Diagnostic[]; plan?: SnapshotPlan }> {
  const loaded = await loadManifest(manifest, fallback)
  if (!loaded.desired) return { diagnostics: loaded.diagnostics }
  // A shard records only its own accounts and regions, as `check --shard` observes them.
  const inShard = shard && shardPlanOf(loaded.desired, shard).inShard
  const desired = inShard ? { ...loaded.desired, clusters: loaded.desired.clusters.filter(inShard) } : loaded.desired
  const discovery = desired.discovery
  return {
    diagnostics: loaded.diagnostics,
    plan: {
      targets: targetsOf(desired),
      ...(discovery
        ? {
            discovery: {
              ...discoveryRequestOf(discovery.settings),
              ...(inShard ? { inShard } : {}),
              targetsOf: (outcome) => targetsOf({ ...desired, clusters: applyRules(desired, discovery, discoveredClusters(outcome)).clusters }),
            },
          }
        : {}),
    },
  }
}

/**
 * What `partner-drift snapshot` does once it knows its clusters, with no CLI in it: observe ->
 * record, and account for every cluster. Throws, as `runCheck` does, when the source cannot be used at all.
 */
export async function recordSnapshot(plan: SnapshotPlan, request: SnapshotRequest): Promise<RecordedSnapshot> {
  // With discovery, what is recorded is every cluster the rules stage chose: the declared ones and the discovered ones.
  let targets = plan.targets
  const discovery = plan.discovery && { ...plan.discovery, targetsOf: (outcome: DiscoveryOutcome) => (targets = plan.discovery!.targetsOf(outcome)) }
  const observed = await observeTargets(plan.targets, request, discovery)
  const { observations } = observed
  const recordedDiscovery = plan.discovery && observed.discovery ? snapshotDiscoveryOf(observed.discovery, plan.discovery) : undefined
  const snapshot = buildSnapshot(targets, observations, request.capturedAt ?? new Date().toISOString(), recordedDiscovery)
  // Every target is accounted for: one the source returned nothing for is as unobserved as one it failed on.
  const notObserved: RecordedSnapshot['notObserved'] = []
  const notFound: RecordedSnapshot['notFound'] = []
  for (const target of targets) {
    const observation = observations.get(clusterKey(target))
    if (observation === undefined || observation.kind === 'error') notObserved.push({ target, ...(observation ? { observation } : {}) })
    else if (observation.kind === 'not-found') notFound.push({ target, message: observation.message })
  }
  const outcome = observed.discovery
  const notDiscovered: RecordedSnapshot['notDiscovered'] = outcome
    ? [
        ...(outcome.organization?.kind === 'error' ? [{ place: 'organization', error: outcome.organization }] : []),
        ...outcome.scopes.flatMap(({ accountId, region, result }) => (result.kind === 'error' ? [{ place: `${accountId}/${region}`, error: result }] : [])),
      ]
    : []
  return {
    targets,
    observations,
    snapshot,
    notObserved,
    notFound,
    notDiscovered,
    ...(request.bootstrapManifest ? { bootstrapManifest: bootstrapManifestOf(targets, observations, request.bootstrapManifest.label, request.bootstrapManifest.schemaReference) } : {}),
  }
}

function bootstrapManifestOf(targets: ClusterTarget[], observations: ReadonlyMap<string, ClusterObservation>, label: string, schemaReference?: string): RecordedSnapshot['bootstrapManifest'] {
  if (!targets.some((t) => observations.get(clusterKey(t))?.kind === 'observed')) return 'none'
  const text = manifestFromObservations(targets, observations, schemaReference)
  // E.g. the API returned a status that reads as a typo of a documented one (`active`).
  return { text, diagnostics: resolveManifest(parseDocumentText(text, label)).diagnostics }
}
