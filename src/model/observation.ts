/**
 * The statuses DescribePartners documents. Observed statuses are open strings (the API may add
 * one); these are the ones a manifest is checked against for typos.
 */
export const PARTNER_STATUSES = ['Active', 'Inactive', 'RuntimeFailure', 'ConnectionFailure'] as const
export type PartnerStatus = (typeof PARTNER_STATUSES)[number]

/** One partner integration as `DescribePartners` reports it. */
export interface ObservedIntegration {
  database: string
  partner: string
  /** Open: the API may report a status it does not document (judged unhealthy unless the manifest allows it). */
  status: string
  statusMessage?: string
  /** RFC 3339. */
  createdAt?: string
  /** RFC 3339. */
  updatedAt?: string
}

/** A `DescribePartners` list item with the API's own field names: as recorded in snapshots, as the SDK returns it. */
export interface PartnerIntegrationInfo {
  DatabaseName: string
  PartnerName: string
  Status: string
  StatusMessage?: string
  /** RFC 3339 as recorded; the SDK gives a Date. */
  CreatedAt?: string | Date
  UpdatedAt?: string | Date
}

/**
 * The one mapping from a DescribePartners item to an observed integration, for every source that
 * reads the API's shape (the aws source, snapshots, outside sources): field names, optional
 * members left out when absent, timestamps as RFC 3339 text.
 */
export function observedIntegrationOf(info: PartnerIntegrationInfo): ObservedIntegration {
  const text = (t: string | Date): string => (typeof t === 'string' ? t : t.toISOString())
  // Members set one after another, in this order, without spreads: one per integration of a large estate.
  const observed: { -readonly [K in keyof ObservedIntegration]: ObservedIntegration[K] } = { database: info.DatabaseName, partner: info.PartnerName, status: info.Status }
  if (info.StatusMessage !== undefined) observed.statusMessage = info.StatusMessage
  if (info.CreatedAt !== undefined) observed.createdAt = text(info.CreatedAt)
  if (info.UpdatedAt !== undefined) observed.updatedAt = text(info.UpdatedAt)
  return observed
}

/** What a source saw for one cluster. */
export type ClusterObservation =
  | {
      kind: 'observed'
      /** When the state was read (RFC 3339); staleness is measured from here, so replays are reproducible. */
      observedAt: string
      integrations: ObservedIntegration[]
    }
  | {
      /** The source looked and the cluster does not exist (ClusterNotFound). */
      kind: 'not-found'
      observedAt: string
      message: string
    }
  | LookupError

/**
 * The source could not look (at a cluster, an account and region, an organization). Never treated
 * as "in sync" or "nothing there".
 */
export interface LookupError {
  kind: 'error'
  /** Machine-readable, e.g. `AccessDenied`, `Throttling`, `Timeout`; docs/errors.md lists partner-drift's own. */
  code: string
  /** The source's own words, without the cluster or the source: those are fields. */
  message: string
  requestId?: string
  /** What to do about it. */
  hint?: string
  /**
   * The source that saw the error. The core sets it to the source it asked when a source
   * leaves it out; a source replaying recorded observations (a snapshot) passes on the recorded one.
   */
  source?: string
}

/** An observation error as people read it: `[source aws] analytics-prod: AccessDenied: User ... is not authorized`. */
export function describeObservationError(cluster: string, error: { code: string; message: string; source?: string }): string {
  return `${error.source ? `[source ${error.source}] ` : ''}${cluster}: ${withCode(error.code, error.message)}`
}

/** The message with its code in front, unless the message already names it (`read ECONNRESET`). */
export function withCode(code: string, message: string): string {
  return message.split(/[^\w.-]+/).includes(code) ? message : `${code}: ${message}`
}

/** The request rate a source learned that the API allows for one account and region, after being throttled there. */
export interface LearnedRate {
  accountId: string
  region: string
  requestsPerSecond: number
}

/** Fetch figures reported with every run. */
export interface ObserveStats {
  source: string
  clusters: number
  apiCalls?: number
  retries?: number
  throttled?: number
  /** Per account and region that was throttled, in account then region order. */
  rates?: LearnedRate[]
  elapsedMs: number
}
