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
  status: PartnerStatus | string
  statusMessage?: string
  /** RFC 3339. */
  createdAt?: string
  /** RFC 3339. */
  updatedAt?: string
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
  | {
      /** The source could not look. Never treated as "in sync". */
      kind: 'error'
      /** Machine-readable, e.g. `AccessDenied`, `Throttling`, `Timeout`. */
      code: string
      message: string
      requestId?: string
      /** What to do about it. */
      hint?: string
    }

/** Fetch figures reported with every run. */
export interface FetchStats {
  source: string
  clusters: number
  apiCalls?: number
  retries?: number
  throttled?: number
  elapsedMs: number
}
