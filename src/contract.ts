/**
 * The source-adapter contract: how partner-drift asks a source for the observed state of
 * a cluster. Built-in sources (`plugins/`) and third-party packages are written against
 * this file only, imported from the package's public entry (`import ... from 'partner-drift'`).
 *
 * Versioning follows Terraform's plugin protocol: a source declares the contract version
 * it implements as `MAJOR.MINOR`. A different major is refused; a minor only ever adds
 * optional members, so a source built for 1.0 keeps working with a 1.x core.
 */

import type { JsonSchema } from './input/schema-check.js'
import type { AttributionRequest, ChangeHistory } from './model/attribution.js'
import type { ClusterTarget } from './model/cluster.js'
import type { AccountListing, AccountListingRequest, DiscoveryScope, ScopeDiscovery } from './model/discovery.js'
import type { ClusterObservation, LearnedRate } from './model/observation.js'

// The shapes a source exchanges with the core belong to the model every stage shares; a source
// author finds them here, beside the contract that uses them.
export type { ClusterTarget } from './model/cluster.js'
export type { ClusterObservation, LearnedRate, ObservedIntegration } from './model/observation.js'
export type { AttributionRequest, ChangeHistory, PartnerChange, PartnerEventName } from './model/attribution.js'
export type { AccountListing, AccountListingRequest, ClusterTag, DiscoveryScope, FoundCluster, LookupError, OrganizationAccount, ScopeDiscovery } from './model/discovery.js'

/**
 * 1.1 added the optional discovery members of a session (`discover`, `listAccounts`); 1.2 the
 * optional `attribute` (who changed an integration, for `check --attribute`).
 */
export const SOURCE_CONTRACT_VERSION = '1.2'

/** Counters a source may keep; the orchestrator adds its own and reports them. */
export interface SourceStats {
  apiCalls?: number
  retries?: number
  throttled?: number
  /**
   * The request rate the source learned the API allows, per account and region it was
   * throttled in (added in 1.0 as an optional member). Only pairs of the run's targets are
   * reported; entries that are not well-formed are left out.
   */
  rates?: LearnedRate[]
}

/** What the core hands a source when opening it. */
export interface SourceContext {
  /** Directory relative paths in options are resolved against. */
  cwd: string
  /** Aborted when the run's deadline passes or the user interrupts. */
  signal: AbortSignal
  /** Process environment, for sources that read credentials or endpoints from it. */
  env: NodeJS.ProcessEnv
  /** How many clusters the orchestrator observes at once, for sizing connection pools. */
  concurrency?: number
}

/** An opened source, asked once per cluster by the orchestrator (which owns concurrency). */
export interface SourceSession {
  /**
   * Observe one cluster. Resolve with an `error` observation for expected failures (access
   * denied, throttled...); anything thrown is wrapped as an error of this source and cluster.
   * What it resolves with is checked against these types: anything malformed (an unknown `kind`,
   * a member of the wrong type, an `observedAt` that is no RFC 3339 instant) is an
   * `InvalidObservation` error of this cluster. `signal` is this cluster's own, aborted at the deadline.
   */
  observe(target: ClusterTarget, signal: AbortSignal): Promise<ClusterObservation>
  /**
   * Since 1.1, needed for manifests with `discover:`. Every cluster in one account and region,
   * all pages of the answer, with its tags; or an `error` when the source could not look there
   * (never an empty list for a place it could not see). Checked like observations: anything
   * malformed is an `InvalidDiscovery` error of that scope.
   */
  discover?(scope: DiscoveryScope, signal: AbortSignal): Promise<ScopeDiscovery>
  /**
   * Since 1.1, needed for `discover: { organization: ... }`. The accounts of the organization
   * (or of the given OUs and the OUs under them) with their status; the core keeps ACTIVE ones.
   */
  listAccounts?(request: AccountListingRequest, signal: AbortSignal): Promise<AccountListing>
  /**
   * Since 1.2, used by `check --attribute`. The recorded changes of partner integrations in one
   * account and region: every event of the requested names between `since` and `until` (all
   * pages), each naming its cluster, database and partner; or an `error` when the source could
   * not look (never an empty list for a history it could not read). Called once per account and
   * region, after every cluster is observed; the core picks each finding's latest change. A
   * source without it leaves every finding's last change unknown (`AttributionUnsupported`).
   * Checked like observations: anything malformed is an `InvalidAttribution` error of that scope.
   */
  attribute?(request: AttributionRequest, signal: AbortSignal): Promise<ChangeHistory>
  stats?(): SourceStats
  close?(): Promise<void>
}

export interface SourceOptionsSpec {
  /** JSON Schema of the source's options; checked before the source is opened. */
  schema: JsonSchema
  /** The option `--source NAME:ARG` sets, e.g. `path` for `snapshot:FILE`. */
  shorthand?: string
}

/** What a source package exports (as its default export, or `source`). */
export interface SourceDefinition<Options = Record<string, unknown>> {
  /** `^[a-z][a-z0-9-]*$`; what users write in `--source`. */
  name: string
  /** The source's own version. */
  version: string
  /** The contract version implemented, `MAJOR.MINOR`. */
  contractVersion: string
  /** One line for `partner-drift sources`. */
  description: string
  options?: SourceOptionsSpec
  /**
   * Prepare to observe. Throw an `InputError` (with located diagnostics) when the source's
   * own input is unusable; any other error is reported as the source failing to open, with its
   * `code` and message, and its `hint` (a string) as what to do when it has one.
   */
  open(options: Options, context: SourceContext): Promise<SourceSession> | SourceSession
}

/** Identity function that gives a source definition its types; use it in source packages. */
export function defineSource<Options = Record<string, unknown>>(definition: SourceDefinition<Options>): SourceDefinition<Options> {
  return definition
}
