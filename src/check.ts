import type { ClusterTarget } from './contract.js'
import { type Diagnostic, InputError } from './input/diagnostics.js'
import type { DesiredState } from './manifest/desired-state.js'
import type { FindingException, PolicyKind } from './manifest/desired-state.js'
import { loadExceptionsFile, loadManifest, type ManifestFallback } from './manifest/load-manifest.js'
import { type ObserveProgress, type ObserveResult, observeClusters } from './observe/orchestrator.js'
import { resolveSource } from './observe/source-registry.js'
import type { PolicyOptions } from './policy/apply-policy.js'
import { loadBaseline } from './policy/baseline.js'
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
  /** `--fail-on`, `--exceptions FILE`, `--baseline FILE`. */
  policy?: { failOn?: PolicyKind[]; exceptionsFile?: string; baselineFile?: string; today?: string }
}

export interface CheckResult {
  /** Problems in the manifest, the policy files or the source's own input; with any of them there is no report. */
  diagnostics: Diagnostic[]
  report?: Report
}

/** The main job, with no CLI in it: read the manifest, observe every declared cluster, diff. */
export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  // Every input is read and checked before the first API call, and all their problems reported together.
  const [manifest, policy] = await Promise.all([loadManifest(request.manifest, request.fallback), loadPolicyInputs(request.policy)])
  const inputProblems = [...manifest.diagnostics, ...policy.diagnostics]
  if (!manifest.desired || inputProblems.length > 0) return { diagnostics: inputProblems }
  const desired = manifest.desired
  let observed: ObserveResult
  try {
    observed = await observeTargets(targetsOf(desired), request)
  } catch (error) {
    // The source's own input (a snapshot file, a state file) is unusable: that located cause is
    // the whole answer, and there is no report, as with a broken manifest.
    if (error instanceof InputError) return { diagnostics: error.diagnostics }
    throw error
  }
  const report = buildReport(desired, observed.observations, { source: request.source, stats: observed.stats, policy: policy.options })
  return { diagnostics: [], report }
}

async function loadPolicyInputs(policy: CheckRequest['policy'] = {}): Promise<{ options: PolicyOptions; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = []
  let exceptions: FindingException[] | undefined
  let baseline: PolicyOptions['baseline']
  if (policy.exceptionsFile) {
    const loaded = await loadExceptionsFile(policy.exceptionsFile)
    diagnostics.push(...loaded.diagnostics)
    exceptions = loaded.exceptions
  }
  if (policy.baselineFile) {
    const loaded = await loadBaseline(policy.baselineFile)
    diagnostics.push(...loaded.diagnostics)
    baseline = { fingerprints: loaded.fingerprints, file: policy.baselineFile }
  }
  const today = policy.today ?? new Date().toISOString().slice(0, 10)
  return { options: { today, failOn: policy.failOn, exceptions, baseline }, diagnostics }
}

export function targetsOf(desired: DesiredState): ClusterTarget[] {
  return desired.clusters.map((c) => ({
    accountId: c.accountId,
    region: c.region,
    cluster: c.cluster,
    ...(c.assumeRole ? { assumeRole: c.assumeRole } : {}),
  }))
}

/**
 * Observes clusters through the source `request.source` names; also what `partner-drift snapshot` records.
 * Throws before any cluster is observed when the source cannot be used: `SourceError` (unknown source,
 * bad options, failed to open) or `InputError` (its own input file has located problems).
 */
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
