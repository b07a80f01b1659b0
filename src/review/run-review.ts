import { isDeepStrictEqual } from 'node:util'

import { attributionRequests } from '../attribute/last-changes.js'
import { buildReport, type CheckRequest, type CheckResult, discoveryRequestOf, findingsOf, loadInputs, observeTargets, targetsOf } from '../check.js'
import { applyRules, type RuledEstate } from '../discover/apply-rules.js'
import { type Diagnostic, InputError, sortDiagnostics } from '../input/diagnostics.js'
import type { DesiredState, DiscoverySettings } from '../manifest/desired-state.js'
import { type DiscoveryOutcome, type DiscoveryRequest, discoveredClusters } from '../model/discovery.js'
import type { ObserveOptions, ObserveResult } from '../observe/orchestrator.js'
import type { PolicyOptions } from '../policy/apply-policy.js'
import { reportProvenance } from '../report/provenance.js'
import { withRepositoryPaths } from '../report/repository-paths.js'
import { expectationChanges } from './expectation-changes.js'
import { loadBaseManifest } from './read-base.js'
import { failingInBase, withReview } from './review-findings.js'

export interface ReviewRequest extends Omit<CheckRequest, 'shard'> {
  /** `--base`: the manifest before the change, a file or `REV:PATH` (see `loadBaseManifest`). */
  base: string
}

/**
 * `check --base`: what a manifest change does, judged against reality. Both manifests are loaded
 * and checked first (every problem of both at once, the base's named `REV:PATH:LINE:COLUMN`);
 * reality is observed once, for the union of the clusters either selects (one discovery serving
 * both); then the base is judged, and the head is judged with the base's failing findings known,
 * so that only what the change brings (and errors, always) fails the run.
 */
export async function runReview(request: ReviewRequest): Promise<CheckResult> {
  const [inputs, base] = await Promise.all([loadInputs(request), loadBaseManifest(request.base, { headManifest: request.manifest, cwd: request.cwd, fallback: request.fallback })])
  const diagnostics = [...inputs.diagnostics, ...base.diagnostics]
  if (!inputs.desired || !base.desired || diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) }
  const head = inputs.desired
  const before = base.desired

  const discovery = sharedDiscovery(before, head)
  if ('diagnostic' in discovery) return { diagnostics: [discovery.diagnostic] }
  // The rules of each side are applied to what that side looks at, once discovery has run.
  let estates: { head?: RuledEstate; base?: RuledEstate } = {}
  const ruledOn = (outcome: DiscoveryOutcome): typeof estates => ({ head: estateOf(head, outcome), base: estateOf(before, outcome) })
  // `--attribute`: who changed what the head finds (the findings a reviewer reads), asked once everything is observed.
  const attribution: ObserveOptions['attribution'] = request.attribute
    ? {
        requestsOf: (observations, outcome) => {
          const { ruled: judged, findings } = findingsOf(head, observations, ruled(estates.head ?? (outcome && estateOf(head, outcome)), outcome, head).discovery)
          return attributionRequests(findings, targetsOf(judged), new Date())
        },
      }
    : undefined
  let observed: ObserveResult
  try {
    // Head first: where both declare a cluster, the head's assumeRole is the one used.
    observed = await observeTargets([...targetsOf(head), ...targetsOf(before)], request, discovery.request && {
      ...discovery.request,
      targetsOf: (outcome) => {
        estates = ruledOn(outcome)
        return [...targetsOf({ ...head, clusters: (estates.head ?? head).clusters }), ...targetsOf({ ...before, clusters: (estates.base ?? before).clusters })]
      },
    }, attribution)
  } catch (error) {
    if (error instanceof InputError) return { diagnostics: error.diagnostics }
    throw error
  }
  const outcome = observed.discovery
  if (outcome && !estates.head && !estates.base) estates = ruledOn(outcome)

  const judge = (desired: DesiredState, estate: RuledEstate | undefined, policy: PolicyOptions, side: 'base' | 'head') =>
    buildReport(desired, observed.observations, {
      source: request.source,
      stats: observed.stats,
      policy,
      ...ruled(estate, outcome, desired),
      ...(side === 'head' && observed.attribution ? { attribution: observed.attribution } : {}),
      // The report is the head's: it says which tool wrote it, and when.
      ...(side === 'head' ? { provenance: reportProvenance() } : {}),
    })
  const baseReport = judge(before, estates.base, inputs.policy, 'base')
  const headReport = judge(head, estates.head, { ...inputs.policy, base: { failing: failingInBase(baseReport, request.base), name: request.base } }, 'head')
  const report = withReview(headReport, baseReport, { base: request.base, baseExists: base.exists, changes: expectationChanges(before, head) })
  if (request.repositoryRoot === undefined) return { diagnostics: [], report }
  // A base read from git is named `REV:PATH` as given; a base file is a path like the manifest.
  const asWritten = new Set(base.origin?.kind === 'git' ? [request.base] : [])
  return { diagnostics: [], report: withRepositoryPaths(report, request.repositoryRoot, request.cwd ?? process.cwd(), asWritten) }
}

/** What `buildReport` takes for a side with `discover:`; each side sees only the scopes it looks in. */
function ruled(estate: RuledEstate | undefined, outcome: DiscoveryOutcome | undefined, desired: DesiredState): { discovery?: { estate: RuledEstate; outcome: DiscoveryOutcome } } {
  const settings = desired.discovery?.settings
  if (!settings || !outcome) return {}
  const own = within(outcome, settings)
  return { discovery: { estate: estate ?? applyRules(desired, desired.discovery!, discoveredClusters(own)), outcome: own } }
}

function estateOf(desired: DesiredState, outcome: DiscoveryOutcome): RuledEstate | undefined {
  const discovery = desired.discovery
  return discovery && applyRules(desired, discovery, discoveredClusters(within(outcome, discovery.settings)))
}

/** The part of a discovery one side's `discover:` asked for: its regions, and its accounts (or the organization's less its exclusions). */
function within(outcome: DiscoveryOutcome, settings: DiscoverySettings): DiscoveryOutcome {
  const regions = new Set(settings.regions)
  const accounts = settings.accounts && new Set(settings.accounts)
  const excluded = new Set(settings.organization?.exclude ?? [])
  const mine = (s: { accountId: string; region: string }): boolean => regions.has(s.region) && (accounts ? accounts.has(s.accountId) : !excluded.has(s.accountId))
  return { ...outcome, scopes: outcome.scopes.filter(mine) }
}

/**
 * One discovery for both sides: the one that discovers, or both's settings joined when they can
 * be (the same role; listed accounts in both, or the same OUs of the organization in both), every
 * side later keeping only its own scopes. Anything else cannot be served by one discovery, and
 * the review stops with a located diagnostic rather than judge a side by what it did not ask for.
 */
export function sharedDiscovery(base: DesiredState, head: DesiredState): { request?: DiscoveryRequest } | { diagnostic: Diagnostic } {
  const a = head.discovery?.settings
  const b = base.discovery?.settings
  if (!a || !b) return { ...(a || b ? { request: discoveryRequestOf((a ?? b)!) } : {}) }
  const ha = discoveryRequestOf(a)
  const hb = discoveryRequestOf(b)
  if (isDeepStrictEqual(ha, hb)) return { request: ha }
  const regions = [...new Set([...ha.regions, ...hb.regions])]
  const sameRole = ha.assumeRole === hb.assumeRole
  if (sameRole && ha.accounts && hb.accounts) {
    return { request: { accounts: [...new Set([...ha.accounts, ...hb.accounts])], regions, ...(ha.assumeRole ? { assumeRole: ha.assumeRole } : {}) } }
  }
  if (sameRole && ha.organization && hb.organization && isDeepStrictEqual(ha.organization.ous && [...ha.organization.ous].sort(), hb.organization.ous && [...hb.organization.ous].sort())) {
    const exclude = ha.organization.exclude.filter((account) => hb.organization!.exclude.includes(account))
    return { request: { organization: { ...(ha.organization.ous ? { ous: ha.organization.ous } : {}), exclude }, regions, ...(ha.assumeRole ? { assumeRole: ha.assumeRole } : {}) } }
  }
  return {
    diagnostic: {
      severity: 'error',
      code: 'review-discovery',
      ...a.location,
      path: 'discover',
      message: `discover: looks for clusters in another way than the base's (${b.location.file}:${b.location.line}:${b.location.column}): ${sameRole ? 'accounts: in one and organization: in the other, or other OUs' : 'another assumeRole'}`,
      hint: 'one observation serves both manifests only when they discover the same way; change discover: in a pull request of its own, or compare with a base file that discovers as the head does',
    },
  }
}
