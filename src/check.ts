import { computeFindings } from './diff/compute-findings.js'
import { applyRules, type RuledEstate } from './discover/apply-rules.js'
import { coverageOf, discoveryFindings } from './discover/discovery-findings.js'
import { type Diagnostic, InputError } from './input/diagnostics.js'
import type { DesiredState, DiscoverySettings, FindingException } from './manifest/desired-state.js'
import { loadExceptionsFile, loadManifest, type ManifestFallback } from './manifest/load-manifest.js'
import type { ClusterTarget } from './model/cluster.js'
import { type DiscoveryOutcome, type DiscoveryRequest, discoveredClusters } from './model/discovery.js'
import type { PolicyKind } from './model/finding-kinds.js'
import { compareFindings } from './model/finding.js'
import type { ClusterObservation, ObserveStats } from './model/observation.js'
import type { Report, ReportProvenance, ShardInfo } from './model/report.js'
import { type ObserveOptions, type ObserveProgress, type ObserveResult, observeClusters } from './observe/orchestrator.js'
import { resolveSource } from './observe/source-registry.js'
import { applyPolicy, type PolicyOptions } from './policy/apply-policy.js'
import { loadBaseline } from './policy/baseline.js'
import { withRemediations } from './report/remediation.js'
import { reportProvenance } from './report/provenance.js'
import { summariseReport } from './report/report.js'
import type { Shard } from './shard/assign-shards.js'
import { shardPlanOf } from './shard/shard-plan.js'
import { VERSION } from './version.js'

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
  /** `--shard I/N`: observe and judge only this shard's (account, region) scopes. */
  shard?: Shard
  /** `--fail-on`, `--exceptions FILE`, `--baseline FILE`. */
  policy?: { failOn?: PolicyKind[]; exceptionsFile?: string; baselineFile?: string; today?: string }
}

export interface CheckResult {
  /** Problems in the manifest, the policy files or the source's own input; with any of them there is no report. */
  diagnostics: Diagnostic[]
  report?: Report
}

/**
 * The main job, with no CLI in it, as a pipeline: load -> observe -> diff -> policy -> remediation
 * -> summarise. Each stage takes the data of the ones before and returns new data; none changes
 * what an earlier stage returned.
 */
export async function runCheck(request: CheckRequest): Promise<CheckResult> {
  const inputs = await loadInputs(request)
  if (!inputs.desired) return { diagnostics: inputs.diagnostics }
  // A shard judges only the clusters of its own scopes; everything else is another shard's.
  const plan = request.shard ? shardPlanOf(inputs.desired, request.shard) : undefined
  const desired = plan ? { ...inputs.desired, clusters: inputs.desired.clusters.filter(plan.inShard) } : inputs.desired
  let observed: ObserveResult
  // The rules stage runs between discovery and observation: what it decides is what gets observed, and judged.
  let estate: RuledEstate | undefined
  const discovery = desired.discovery
  try {
    observed = await observeTargets(targetsOf(desired), request, discovery && {
      ...discoveryRequestOf(discovery.settings),
      ...(plan ? { inShard: plan.inShard } : {}),
      targetsOf: (outcome) => targetsOf({ ...desired, clusters: (estate = applyRules(desired, discovery, discoveredClusters(outcome))).clusters }),
    })
  } catch (error) {
    // The source's own input (a snapshot file, a state file) is unusable: that located cause is
    // the whole answer, and there is no report, as with a broken manifest.
    if (error instanceof InputError) return { diagnostics: error.diagnostics }
    throw error
  }
  const outcome = observed.discovery
  // When the source never got as far as discovering, no cluster was found: the rules still say which are unused.
  const ruled = discovery && outcome ? { estate: estate ?? applyRules(desired, discovery, discoveredClusters(outcome)), outcome } : undefined
  const shard = plan && { ...plan.shard, manifestDigest: desired.digest ?? '', version: VERSION, scopes: plan.scopes, work: plan.work }
  const report = buildReport(desired, observed.observations, { source: request.source, stats: observed.stats, policy: inputs.policy, discovery: ruled, ...(shard ? { shard } : {}), provenance: reportProvenance() })
  return { diagnostics: [], report }
}

/** The stages after observing, which read no file and call no API: diff -> policy -> remediation -> summarise. */
export function buildReport(
  desired: DesiredState,
  observations: ReadonlyMap<string, ClusterObservation>,
  run: { source: string; stats?: ObserveStats; policy?: PolicyOptions; discovery?: { estate: RuledEstate; outcome: DiscoveryOutcome }; shard?: ShardInfo; provenance?: ReportProvenance },
): Report {
  const { discovery } = run
  // With discovery, the clusters judged are the rules' estate: entries combined with rules, and every discovered cluster.
  const ruled = discovery ? { ...desired, clusters: discovery.estate.clusters } : desired
  const drift = computeFindings(ruled, observations)
  const found = discovery ? discoveryFindings(discovery.estate, discovery.outcome, desired.discovery?.settings.location) : []
  const findings = found.length ? [...drift.findings, ...found].sort(compareFindings) : drift.findings
  const judged = applyPolicy(findings, ruled, run.policy ?? { today: new Date().toISOString().slice(0, 10) })
  const remedied = withRemediations(judged)
  const coverage = discovery ? coverageOf(discovery.estate, discovery.outcome, observations) : undefined
  return summariseReport(ruled, observations, drift, remedied, { source: run.source, stats: run.stats, ...(coverage ? { coverage } : {}), ...(run.shard ? { shard: run.shard } : {}), ...(run.provenance ? { provenance: run.provenance } : {}) })
}

/** What the orchestrator needs of `discover:`. */
export function discoveryRequestOf(settings: DiscoverySettings): DiscoveryRequest {
  const { accounts, organization, regions, assumeRole } = settings
  return { ...(accounts ? { accounts } : {}), ...(organization ? { organization } : {}), regions, ...(assumeRole ? { assumeRole } : {}) }
}

/**
 * The load stage: the manifest and the policy files. Every input is read and checked before the
 * first API call, and all their problems are reported together; with any of them there is no desired state.
 */
async function loadInputs(request: CheckRequest): Promise<{ desired?: DesiredState; policy: PolicyOptions; diagnostics: Diagnostic[] }> {
  const [manifest, policy] = await Promise.all([loadManifest(request.manifest, request.fallback), loadPolicyInputs(request.policy)])
  const diagnostics = [...manifest.diagnostics, ...policy.diagnostics]
  return { ...(manifest.desired && diagnostics.length === 0 ? { desired: manifest.desired } : {}), policy: policy.options, diagnostics }
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
export async function observeTargets(targets: ClusterTarget[], request: Omit<CheckRequest, 'manifest'>, discovery?: ObserveOptions['discovery']): Promise<ObserveResult> {
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
    ...(discovery ? { discovery } : {}),
  })
}
