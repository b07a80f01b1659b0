import type { LookupError } from './observation.js'

/**
 * The management events that change a partner integration: `AddPartner` and `DeletePartner` are
 * called by a principal of the account, `UpdatePartnerStatus` by the partner, which pushes the status.
 */
export const PARTNER_EVENTS = ['AddPartner', 'DeletePartner', 'UpdatePartnerStatus'] as const
export type PartnerEventName = (typeof PARTNER_EVENTS)[number]

/**
 * What the core asks a source that can attribute changes (`attribute`, contract 1.2): every
 * recorded change of the named kinds in one account and region between `since` and `until`. One
 * request per account and region serves every finding there.
 */
export interface AttributionRequest {
  accountId: string
  region: string
  /** Role ARN to assume in that account, `{accountId}` already filled in. */
  assumeRole?: string
  /** Which events to look up, in PARTNER_EVENTS order, each once. */
  events: PartnerEventName[]
  /** RFC 3339 instants: the window to look in. */
  since: string
  until: string
}

/** One recorded change of one integration. */
export interface PartnerChange {
  event: PartnerEventName
  /** When it happened, RFC 3339. */
  at: string
  cluster: string
  database: string
  partner: string
  /** The ARN of the principal that made the call, when recorded. */
  principal?: string
  /** UpdatePartnerStatus: the status set. */
  status?: string
  /** The request id of the recorded call. */
  requestId?: string
  /** The id of the record (CloudTrail's EventID). */
  eventId?: string
}

/** What a source answers for one account and region: every matching change (all pages), or why it could not look. */
export type ChangeHistory = { kind: 'history'; changes: PartnerChange[] } | LookupError

/** On a finding with `check --attribute`: who last changed the integration, or why that is not known. */
export type LastChange =
  | {
      kind: 'event'
      event: PartnerEventName
      at: string
      /** The principal's ARN (`actor: principal`) or the partner's name (`actor: partner`). */
      by: string
      actor: 'principal' | 'partner'
      /** With `actor: partner`: the ARN the partner called with, when recorded. */
      principal?: string
      status?: string
      requestId?: string
      eventId?: string
    }
  | { kind: 'unknown'; code: string; reason: string; requestId?: string }
