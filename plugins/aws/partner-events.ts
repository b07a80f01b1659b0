import type { Event } from '@aws-sdk/client-cloudtrail'
import type * as CloudTrail from '@aws-sdk/client-cloudtrail'
import type { AttributionRequest, ChangeHistory, LookupError, PartnerChange, PartnerEventName } from 'partner-drift'

import { asLookupError } from './describe-clusters.js'
import { type AwsCalls, type AwsPlace, failureObservation } from './describe-partners.js'
import { everyPage } from './paging.js'
import { addRawAnswerChecks, checkJsonListAnswer, InvalidResponseError, isObject } from './raw-answers.js'
import { requireCommonJs } from './sdk.js'

// Required, not imported: see sdk.ts. This module is itself loaded on the first attribution.
const { CloudTrailClient, LookupEventsCommand } = requireCommonJs('@aws-sdk/client-cloudtrail') as typeof CloudTrail
type CloudTrailClient = CloudTrail.CloudTrailClient

/** The most LookupEvents returns per page (the API allows 1 to 50): the fewest requests. */
export const LOOKUP_PAGE_SIZE = 50
/** LookupEvents' documented quota per account and region; exceeding it answers ThrottlingException. */
export const LOOKUP_EVENTS_PER_SECOND = 2
const LOOKUP_API = { name: 'cloudtrail:LookupEvents', requestsPerSecond: LOOKUP_EVENTS_PER_SECOND }
const REDSHIFT_EVENT_SOURCE = 'redshift.amazonaws.com'

/**
 * CloudTrail clients, one per region and role (CloudTrail's event history is per account and
 * region, read with that account's credentials), sharing the aws session's credentials, retries,
 * timeouts, sockets and call counts, every answer checked before the SDK reads it. The endpoint is
 * the SDK's own choice, or AWS_ENDPOINT_URL_CLOUDTRAIL: never anything a manifest says.
 */
export function cloudTrailClients(calls: AwsCalls): { clientFor(place: AwsPlace): CloudTrailClient; destroy(): void } {
  const clients = new Map<string, CloudTrailClient>()
  return {
    clientFor(place) {
      const key = `${place.region}\u0000${place.assumeRole ?? ''}`
      let client = clients.get(key)
      if (!client) {
        client = new CloudTrailClient({ region: place.region, credentials: calls.credentialsFor(place), ...calls.clientSettings() })
        calls.countCalls(client)
        addAnswerChecks(client)
        clients.set(key, client)
      }
      return client
    },
    destroy() {
      for (const client of clients.values()) client.destroy()
    },
  }
}

/**
 * Every AddPartner, DeletePartner and UpdatePartnerStatus the request names, recorded in its
 * account and region between `since` and `until`: one LookupEvents query per event name (the API
 * takes a single lookup attribute), every page, one request after the other at CloudTrail's rate
 * of 2 a second per account and region. Calls that failed (a recorded `errorCode`) changed
 * nothing and are left out, as are events of other services or of other accounts' integrations.
 *
 * Never throws: a history that could not be read whole (denied, throttled, a malformed answer)
 * resolves to a LookupError, so that no finding says "no change recorded" for a history unseen.
 */
export async function lookUpPartnerChanges(request: AttributionRequest, signal: AbortSignal, calls: AwsCalls, client: CloudTrailClient): Promise<ChangeHistory> {
  const place: AwsPlace = { accountId: request.accountId, region: request.region, ...(request.assumeRole ? { assumeRole: request.assumeRole } : {}) }
  const changes: PartnerChange[] = []
  try {
    for (const event of request.events) {
      await everyPage(
        'CloudTrail',
        async (NextToken) => {
          const command = new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: event }],
            StartTime: new Date(request.since),
            EndTime: new Date(request.until),
            MaxResults: LOOKUP_PAGE_SIZE,
            ...(NextToken ? { NextToken } : {}),
          })
          try {
            const output = await client.send(calls.paced(command, place, signal, LOOKUP_API), { abortSignal: signal })
            calls.countRetries(output)
            return output
          } catch (error) {
            calls.countRetries(error)
            throw error
          }
        },
        (page) => {
          for (const recorded of page.Events ?? []) {
            const change = partnerChangeOf(recorded, event, request.accountId, page.$metadata.requestId)
            if (change) changes.push(change)
          }
        },
      )
    }
  } catch (error) {
    return lookupFailure(error, place, calls.maxAttempts)
  }
  return { kind: 'history', changes }
}

/**
 * One recorded event as a change of one integration, or undefined for an event that changed none
 * (a failed call, another service's event, another account's integration, no integration named).
 * The event itself (`CloudTrailEvent`, a JSON document in a string) that is not JSON is an invalid
 * answer: read leniently it would hide who made a change.
 */
function partnerChangeOf(recorded: Event, asked: PartnerEventName, accountId: string, requestId: string | undefined): PartnerChange | undefined {
  if (recorded.EventName !== asked || !(recorded.EventTime instanceof Date) || Number.isNaN(recorded.EventTime.getTime())) return undefined
  let detail: Record<string, unknown>
  try {
    const parsed = JSON.parse(recorded.CloudTrailEvent ?? '') as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object')
    detail = parsed as Record<string, unknown>
  } catch {
    throw new InvalidResponseError(`the CloudTrailEvent of event ${String(recorded.EventId ?? '?').slice(0, 64)} is not a JSON object`, 200, requestId)
  }
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
  const source = text(detail.eventSource) ?? recorded.EventSource
  if (source !== REDSHIFT_EVENT_SOURCE || detail.errorCode !== undefined) return undefined
  const parameters = (typeof detail.requestParameters === 'object' && detail.requestParameters !== null ? detail.requestParameters : {}) as Record<string, unknown>
  const cluster = text(parameters.clusterIdentifier)
  const database = text(parameters.databaseName)
  const partner = text(parameters.partnerName)
  if (!cluster || !database || !partner) return undefined
  const forAccount = text(parameters.accountId)
  if (forAccount !== undefined && forAccount !== accountId) return undefined
  const identity = (typeof detail.userIdentity === 'object' && detail.userIdentity !== null ? detail.userIdentity : {}) as Record<string, unknown>
  const principal = text(identity.arn)
  const status = text(parameters.status)
  const callId = text(detail.requestID)
  const eventId = text(detail.eventID) ?? text(recorded.EventId)
  return {
    event: asked,
    at: recorded.EventTime.toISOString(),
    cluster,
    database,
    partner,
    ...(principal ? { principal } : {}),
    ...(status ? { status } : {}),
    ...(callId ? { requestId: callId } : {}),
    ...(eventId ? { eventId } : {}),
  }
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized/

/** What the SDK threw, as a LookupError naming what to allow or check. */
function lookupFailure(error: unknown, place: AwsPlace, maxAttempts: number): LookupError {
  const failure = asLookupError(failureObservation(error, { accountId: place.accountId, region: place.region, cluster: '' }, maxAttempts))
  const role = place.assumeRole ? ` to role ${place.assumeRole}` : ''
  if (ACCESS_DENIED.test(failure.code)) return { ...failure, hint: `allow the IAM action cloudtrail:LookupEvents in account ${place.accountId}${role}` }
  if (/UnrecognizedClient|InvalidClientTokenId|OptInRequired/.test(failure.code)) {
    return { ...failure, hint: `CloudTrail in ${place.region} did not accept the credentials: the region may not be enabled for account ${place.accountId}, or the credentials are not valid there` }
  }
  if (/Throttl|RequestLimitExceeded|TooManyRequests/.test(failure.code)) {
    return { ...failure, hint: `CloudTrail allows ${LOOKUP_EVENTS_PER_SECOND} LookupEvents a second per account and region, and kept throttling after ${maxAttempts} attempts; try again later` }
  }
  if (/^E[A-Z]+$/.test(failure.code)) return { ...failure, hint: `could not reach CloudTrail in ${place.region}; check the network path and AWS_ENDPOINT_URL_CLOUDTRAIL` }
  return failure
}

// ------------------------------------------------------------------ the shape of a LookupEvents answer

export type LookupEventsAnswerCheck = { ok: true; events: number } | { ok: false; problem: string }


/**
 * Decides whether `bytes` is a well-formed LookupEvents answer: a JSON object with an `Events`
 * list whose items are objects with a text `EventName`, a numeric `EventTime` (epoch seconds, as
 * the JSON protocols send timestamps) and the event itself as a text `CloudTrailEvent`, and a
 * NextToken that is absent, null or text. The SDK reads an empty body or an HTML page as "no
 * events", which would say nobody changed anything.
 */
export function checkLookupEventsAnswer(bytes: Uint8Array): LookupEventsAnswerCheck {
  const page = checkJsonListAnswer(bytes, 'Events')
  if (!page.ok) return page
  const events = page.items
  for (const [index, item] of events.entries()) {
    const which = `item ${index + 1} of Events`
    if (!isObject(item)) return { ok: false, problem: `${which} is not an object` }
    if (typeof item.EventName !== 'string') return { ok: false, problem: `${which} has no EventName` }
    if (typeof item.EventTime !== 'number' || !Number.isFinite(item.EventTime)) return { ok: false, problem: `${which} has no EventTime in epoch seconds` }
    if (typeof item.CloudTrailEvent !== 'string') return { ok: false, problem: `${which} has no CloudTrailEvent text` }
  }
  return { ok: true, events: events.length }
}

function addAnswerChecks(client: CloudTrailClient): void {
  addRawAnswerChecks<number>(client.middlewareStack, 'partnerDriftCloudTrail', {
    operationOf: (commandName) => (commandName === 'LookupEventsCommand' ? 'LookupEvents' : undefined),
    check: (bytes) => {
      const checked = checkLookupEventsAnswer(bytes)
      return checked.ok ? { ok: true, held: checked.events } : checked
    },
    misread: (events, output) => {
      const read = (output as { Events?: unknown[] } | undefined)?.Events?.length
      return read === events || (events === 0 && read === undefined) ? undefined : `the LookupEvents answer held ${events} events but ${read ?? 'none'} could be read`
    },
  })
}
