import type { ClusterTarget } from './contract.js'
import type { Diagnostic } from './input/diagnostics.js'
import type { DesiredState } from './manifest/desired-state.js'
import { loadManifest, type ManifestFallback } from './manifest/load-manifest.js'
import { type ObserveProgress, type ObserveResult, observeClusters } from './observe/orchestrator.js'
import { resolveSource } from './observe/source-registry.js'
import { buildReport, type Report } from './report/report.js'

export interface CheckRequest {
  manifest: string
  /** `--source`, e.g. `aws` or `snapshot:FILE`. */
  source: string
  sourceOptions?: string[]
  concurrency: number
  deadlineMs?: number
  /** `--region` / `--assume-role`: used only where the manifest has no value. */
  fallback?: ManifestFallback
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Package roots of installed partner-drift plugins, which may provide sources (from the command layer). */
  pluginRoots?: readonly string[]
  onProgress?: (progress: ObserveProgress) => void
}

export interface CheckResult {
  /** Problems in the manifest or the source's input; with manifest errors there is no report. */
  diagnostics: Diagnostic[]
  report?: Report
  desired?: DesiredState
  observed?: ObserveResult
}

/** The main job, with no CLI in it: read the manifest, observe every declared cluster, diff. */
export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  const manifest = await loadManifest(request.manifest, request.fallback)
  if (!manifest.desired) return { diagnostics: manifest.diagnostics }
  const desired = manifest.desired
  const observed = await observeTargets(targetsOf(desired), request)
  const report = buildReport(desired, observed.observations, { source: request.source, stats: observed.stats })
  return { diagnostics: observed.diagnostics, report, desired, observed }
}

export function targetsOf(desired: DesiredState): ClusterTarget[] {
  return desired.clusters.map((c) => ({
    accountId: c.accountId,
    region: c.region,
    cluster: c.cluster,
    ...(c.assumeRole ? { assumeRole: c.assumeRole } : {}),
  }))
}

/** Observes clusters through the source `request.source` names; also what `partner-drift snapshot` records. */
export async function observeTargets(targets: ClusterTarget[], request: Omit<CheckRequest, 'manifest'>): Promise<ObserveResult> {
  const { source, options } = await resolveSource(request.source, request.sourceOptions, { cwd: request.cwd, pluginRoots: request.pluginRoots })
  return observeClusters({
    source,
    options,
    targets,
    concurrency: request.concurrency,
    deadlineMs: request.deadlineMs,
    cwd: request.cwd,
    env: request.env,
    onProgress: request.onProgress,
  })
}
