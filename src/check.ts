import { computeFindings } from './diff/compute-findings.js'
import { applyRules, type RuledEstate } from './discover/apply-rules.js'
import { coverageOf, discoveryFindings } from './discover/discovery-findings.js'
import { type Diagnostic, InputError } from './input/diagnostics.js'
import type { DesiredState, DiscoverySettings, ExceptionRules, FindingException } from './manifest/desired-state.js'
import { loadExceptionsFile, loadManifest, type ManifestFallback } from './manifest/load-manifest.js'
import type { ClusterTarget } from './model/cluster.js'
import { type DiscoveryOutcome, type DiscoveryRequest, discoveredClusters } from './model/discovery.js'
import type { PolicyKind } from './model/finding-kinds.js'
import { attributionRequests, withLastChanges } from './attribute/last-changes.js'
import type { ChangeHistory } from './model/attribution.js'
import { compareFindings, type Finding } from './model/finding.js'
import type { ClusterObservation, ObserveStats } from './model/observation.js'
import type { Report, ReportProvenance, ShardInfo } from './model/report.js'
import { type ObserveOptions, type ObserveProgress, type ObserveResult, observeClusters } from './observe/orchestrator.js'
import { resolveSource } from './observe/source-registry.js'
import { applyPolicy, type PolicyOptions } from './policy/apply-policy.js'
import { loadBaseline } from './policy/baseline.js'
import { withRemediations } from './report/remediation.js'
import { reportProvenance } from './report/provenance.js'
import { summariseReport } from './report/report.js'
import { withRepositoryPaths } from './report/repository-paths.js'
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
  /**
   * The repository root (from the command layer): the report names every file relative to it,
   * as CI tools match paths. Without it, files are named as they were written.
   */
  repositoryRoot?: string
  /**
   * `--attribute`: who last changed each missing, extra, unmanaged, forbidden and unhealthy
   * integration, asked of the source after observing (never changes a verdict).
   */
  attribute?: boolean
  /** `--fail-on`, `--exceptions FILE`, `--baseline FILE`, `--audit`. */
  policy?: { failOn?: PolicyKind[]; exceptionsFile?: string; baselineFile?: string; today?: string; audit?: boolean }
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
  const ruledOf = (outcome: DiscoveryOutcome | undefined) =>
    discovery && outcome ? { estate: estate ?? applyRules(desired, discovery, discoveredClusters(outcome)), outcome } : undefined
  // Who changed what is asked once everything is observed, for the findings the diff then makes.
  const attribution: ObserveOptions['attribution'] = request.attribute
    ? {
        requestsOf: (observations, outcome) => {
          const { ruled, findings } = findingsOf(desired, observations, ruledOf(outcome))
          return attributionRequests(findings, targetsOf(ruled), new Date())
        },
      }
    : undefined
  try {
    observed = await observeTargets(
      targetsOf(desired),
      request,
      discovery && {
        ...discoveryRequestOf(discovery.settings),
        ...(plan ? { inShard: plan.inShard } : {}),
        targetsOf: (outcome) => targetsOf({ ...desired, clusters: (estate = applyRules(desired, discovery, discoveredClusters(outcome))).clusters }),
      },
      attribution,
    )
  } catch (error) {
    // The source's own input (a snapshot file, a state file) is unusable: that located cause is
    // the whole answer, and there is no report, as with a broken manifest.
    if (error instanceof InputError) return { diagnostics: error.diagnostics }
    throw error
  }
  // When the source never got as far as discovering, no cluster was found: the rules still say which are unused.
  const ruled = ruledOf(observed.discovery)
  const shard = plan && { ...plan.shard, manifestDigest: desired.digest ?? '', version: VERSION, scopes: plan.scopes, work: plan.work }
  const report = buildReport(desired, observed.observations, {
    source: request.source,
    stats: observed.stats,
    policy: inputs.policy,
    discovery: ruled,
    ...(shard ? { shard } : {}),
    ...(observed.attribution ? { attribution: observed.attribution } : {}),
    provenance: reportProvenance(),
  })
  return { diagnostics: [], report: request.repositoryRoot === undefined ? report : withRepositoryPaths(report, request.repositoryRoot, request.cwd ?? process.cwd()) }
}

/**
 * The stages after observing, which read no file and call no API: diff -> attribution (the change
 * histories `--attribute` fetched, if any) -> policy -> remediation -> summarise.
 */
export function buildReport(
  desired: DesiredState,
  observations: ReadonlyMap<string, ClusterObservation>,
  run: {
    source: string
    stats?: ObserveStats
    policy?: PolicyOptions
    discovery?: { estate: RuledEstate; outcome: DiscoveryOutcome }
    shard?: ShardInfo
    attribution?: ReadonlyMap<string, ChangeHistory>
    provenance?: ReportProvenance
  },
): Report {
  const { discovery } = run
  const { ruled, drift, findings: diffed } = findingsOf(desired, observations, discovery)
  const findings = run.attribution ? withLastChanges(diffed, run.attribution) : diffed
  const judged = applyPolicy(findings, ruled, run.policy ?? { today: new Date().toISOString().slice(0, 10) })
  const remedied = withRemediations(judged)
  const coverage = discovery ? coverageOf(discovery.estate, discovery.outcome, observations) : undefined
  return summariseReport(ruled, observations, drift, remedied, {
    source: run.source,
    stats: run.stats,
    ...(coverage ? { coverage } : {}),
    ...(run.shard ? { shard: run.shard } : {}),
    ...(run.policy?.audit ? { audit: true } : {}),
    ...(run.provenance ? { provenance: run.provenance } : {}),
  })
}

/** The diff stage: the drift of the judged clusters, and with discovery what discovery found (unmanaged integrations, unused rules). */
export function findingsOf(
  desired: DesiredState,
  observations: ReadonlyMap<string, ClusterObservation>,
  discovery: { estate: RuledEstate; outcome: DiscoveryOutcome } | undefined,
): { ruled: DesiredState; drift: ReturnType<typeof computeFindings>; findings: Finding[] } {
  // With discovery, the clusters judged are the rules' estate: entries combined with rules, and every discovered cluster.
  const ruled = discovery ? { ...desired, clusters: discovery.estate.clusters } : desired
  const drift = computeFindings(ruled, observations)
  const found = discovery ? discoveryFindings(discovery.estate, discovery.outcome, desired.discovery?.settings.location) : []
  return { ruled, drift, findings: found.length ? [...drift.findings, ...found].sort(compareFindings) : drift.findings }
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
export async function loadInputs(request: CheckRequest): Promise<{ desired?: DesiredState; policy: PolicyOptions; diagnostics: Diagnostic[] }> {
  const today = request.policy?.today
  const manifest = await loadManifest(request.manifest, request.fallback, { ...(today ? { today } : {}), ...(request.shard ? { digest: true } : {}) })
  // After the manifest: its exceptionRules hold for the exceptions file too.
  const policy = await loadPolicyInputs(request.policy, manifest.desired?.exceptionRules)
  const diagnostics = [...manifest.diagnostics, ...policy.diagnostics]
  return { ...(manifest.desired && diagnostics.length === 0 ? { desired: manifest.desired } : {}), policy: policy.options, diagnostics }
}

async function loadPolicyInputs(policy: CheckRequest['policy'] = {}, rules?: ExceptionRules): Promise<{ options: PolicyOptions; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = []
  const today = policy.today ?? new Date().toISOString().slice(0, 10)
  let exceptions: FindingException[] | undefined
  let baseline: PolicyOptions['baseline']
  if (policy.exceptionsFile) {
    const loaded = await loadExceptionsFile(policy.exceptionsFile, { ...(rules ? { rules } : {}), today })
    diagnostics.push(...loaded.diagnostics)
    exceptions = loaded.exceptions
  }
  if (policy.baselineFile) {
    const loaded = await loadBaseline(policy.baselineFile)
    diagnostics.push(...loaded.diagnostics)
    baseline = { fingerprints: loaded.fingerprints, file: policy.baselineFile }
  }
  return { options: { today, failOn: policy.failOn, exceptions, baseline, ...(policy.audit ? { audit: true } : {}) }, diagnostics }
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
export async function observeTargets(
  targets: ClusterTarget[],
  request: Omit<CheckRequest, 'manifest'>,
  discovery?: ObserveOptions['discovery'],
  attribution?: ObserveOptions['attribution'],
): Promise<ObserveResult> {
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
    ...(attribution ? { attribution } : {}),
  })
}
