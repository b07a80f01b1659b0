import { type CheckRequest, discoveryRequestOf, observeTargets } from './check.js'
import { applyRules } from './discover/apply-rules.js'
import { coverageOf } from './discover/discovery-findings.js'
import { type Diagnostic, InputError } from './input/diagnostics.js'
import { loadManifest } from './manifest/load-manifest.js'
import { clusterKey } from './model/cluster.js'
import { discoveredClusters, type DiscoveryListing } from './model/discovery.js'

export type DiscoverRequest = Omit<CheckRequest, 'policy'>

/**
 * The tool people use while writing rules: discovery and the rules stage, no DescribePartners.
 * Throws, as `runCheck` does, when the source cannot be used at all.
 */
export async function runDiscovery(request: DiscoverRequest): Promise<{ diagnostics: Diagnostic[]; listing?: DiscoveryListing }> {
  const loaded = await loadManifest(request.manifest, request.fallback)
  const desired = loaded.desired
  if (!desired) return { diagnostics: loaded.diagnostics }
  const discovery = desired.discovery
  if (!discovery) {
    const at = { file: desired.file, line: 1, column: 1 }
    return { diagnostics: [{ severity: 'error', code: 'needs-discover', ...at, path: '', message: 'this manifest has no discover:, so there is nothing to discover', hint: 'add discover: with the accounts (or organization) and regions to look in' }] }
  }
  let observed
  try {
    // Nothing is observed: the plan stops at what discovery found.
    observed = await observeTargets([], request, { ...discoveryRequestOf(discovery.settings), targetsOf: () => [] })
  } catch (error) {
    if (error instanceof InputError) return { diagnostics: error.diagnostics }
    throw error
  }
  const outcome = observed.discovery ?? { scopes: [] }
  const estate = applyRules(desired, discovery, discoveredClusters(outcome))
  const coverage = new Map(estate.coverage.map((c) => [clusterKey(c), c]))
  const { clusters, byRules, byEntries, unmanaged } = coverageOf(estate, outcome, new Map())
  const org = outcome.organization
  const failed = org?.kind === 'error' || outcome.scopes.some((s) => s.result.kind === 'error')
  return {
    diagnostics: loaded.diagnostics,
    listing: {
      manifest: request.manifest,
      source: request.source,
      ...(org ? { organization: org.kind === 'error' ? { error: org } : { accounts: org.accounts.length, active: org.accounts.filter((a) => a.status === 'ACTIVE').length } } : {}),
      scopes: outcome.scopes.map(({ accountId, region, result }) => ({
        accountId,
        region,
        ...(result.kind === 'error' ? { error: result } : {}),
        clusters:
          result.kind === 'error'
            ? []
            : result.clusters.map((c) => {
                const covered = coverage.get(clusterKey({ accountId, region, cluster: c.cluster }))
                return { ...c, rules: covered?.rules ?? [], entry: covered?.entry ?? false }
              }),
      })),
      unusedRules: estate.unusedRules.map((r) => ({ name: r.name, location: r.location })),
      coverage: { clusters, byRules, byEntries, unmanaged },
      exitCode: failed ? 1 : 0,
    },
  }
}
