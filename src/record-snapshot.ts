import { type CheckRequest, observeTargets, targetsOf } from './check.js'
import type { Diagnostic } from './input/diagnostics.js'
import { parseDocumentText } from './input/document.js'
import { manifestFromObservations } from './manifest/bootstrap-manifest.js'
import { loadManifest, type ManifestFallback, resolveManifest } from './manifest/load-manifest.js'
import { clusterKey, type ClusterTarget } from './model/cluster.js'
import type { ClusterObservation } from './model/observation.js'
import { buildSnapshot, type Snapshot } from './snapshot-format.js'

export type SnapshotRequest = Omit<CheckRequest, 'manifest' | 'policy' | 'fallback'> & {
  /** `--manifest-out`: also draw up a manifest declaring what was observed, named `label` in its diagnostics. */
  bootstrapManifest?: { label: string }
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
  /**
   * The manifest declaring what was observed, with the problems `validate` would find in it;
   * `none` when nothing was observed (a manifest with no cluster is invalid). Only when asked for.
   */
  bootstrapManifest?: { text: string; diagnostics: Diagnostic[] } | 'none'
}

/** The clusters a manifest declares, or its problems (a warning may come with targets, an error never does). */
export async function snapshotTargetsOf(manifest: string, fallback?: ManifestFallback): Promise<{ diagnostics: Diagnostic[]; targets?: ClusterTarget[] }> {
  const loaded = await loadManifest(manifest, fallback)
  return { diagnostics: loaded.diagnostics, ...(loaded.desired ? { targets: targetsOf(loaded.desired) } : {}) }
}

/**
 * What `partner-drift snapshot` does once it knows its clusters, with no CLI in it: observe ->
 * record, and account for every cluster. Throws, as `runCheck` does, when the source cannot be used at all.
 */
export async function recordSnapshot(targets: ClusterTarget[], request: SnapshotRequest): Promise<RecordedSnapshot> {
  const { observations } = await observeTargets(targets, request)
  const snapshot = buildSnapshot(targets, observations, request.capturedAt ?? new Date().toISOString())
  // Every target is accounted for: one the source returned nothing for is as unobserved as one it failed on.
  const notObserved: RecordedSnapshot['notObserved'] = []
  const notFound: RecordedSnapshot['notFound'] = []
  for (const target of targets) {
    const observation = observations.get(clusterKey(target))
    if (observation === undefined || observation.kind === 'error') notObserved.push({ target, ...(observation ? { observation } : {}) })
    else if (observation.kind === 'not-found') notFound.push({ target, message: observation.message })
  }
  return {
    targets,
    observations,
    snapshot,
    notObserved,
    notFound,
    ...(request.bootstrapManifest ? { bootstrapManifest: bootstrapManifestOf(targets, observations, request.bootstrapManifest.label) } : {}),
  }
}

function bootstrapManifestOf(targets: ClusterTarget[], observations: ReadonlyMap<string, ClusterObservation>, label: string): RecordedSnapshot['bootstrapManifest'] {
  if (!targets.some((t) => observations.get(clusterKey(t))?.kind === 'observed')) return 'none'
  const text = manifestFromObservations(targets, observations)
  // E.g. the API returned a status that reads as a typo of a documented one (`active`).
  return { text, diagnostics: resolveManifest(parseDocumentText(text, label)).diagnostics }
}
