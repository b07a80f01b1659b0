/**
 * The CloudTrail half of the local test server (test/helpers/redshift-server.ts dispatches to it):
 * `LookupEvents` in the JSON 1.1 protocol (`X-Amz-Target:
 * com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`, or the short
 * `CloudTrail_20131101.LookupEvents` the JavaScript SDK sends; `application/x-amz-json-1.1`),
 * as /work/shared/reference/aws-discovery-and-ci-facts.md and the SDK's service model describe it:
 *   - at most one lookup attribute (`EventName`, `EventSource`, `ResourceName`, `Username`, ...),
 *     `StartTime` / `EndTime` in epoch seconds, `MaxResults` 1-50 (default 50), an opaque `NextToken`;
 *   - events most recent first, each with `EventTime` in epoch seconds and the whole event as a
 *     JSON string in `CloudTrailEvent` (userIdentity.arn, requestParameters, requestID, eventID), as
 *     AWS returns it;
 *   - errors as `{"__type": ..., "message": ...}` (AccessDeniedException, ThrottlingException,
 *     InvalidLookupAttributesException, InvalidTimeRangeException, InvalidMaxResultsException,
 *     InvalidNextTokenException, UnrecognizedClientException, UnknownOperationException).
 * There is no AccountId in the request: as in AWS, the history is the one of the account whose
 * credentials signed it (see discovery-server.ts for how keys map to accounts).
 */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

import { type DiscoveryAnswer, type DiscoveryCall, jsonInputOf, type TestError } from './discovery-server.js'

export type PartnerEventName = 'AddPartner' | 'DeletePartner' | 'UpdatePartnerStatus'

/** One recorded call of a partner-integration operation. */
export interface TestPartnerEvent {
  event: PartnerEventName
  /** RFC 3339. */
  at: string
  cluster: string
  database: string
  partner: string
  /** The caller's ARN; default a DataEng role session for AddPartner/DeletePartner, the partner's role for UpdatePartnerStatus. */
  principal?: string
  /** UpdatePartnerStatus: the status set; default `Active`. */
  status?: string
  /** A failed call is recorded too, with its error code. */
  errorCode?: string
  /** Default redshift.amazonaws.com. */
  eventSource?: string
}

export interface CloudTrailServerState {
  /** Records an event in the history of (account, region). */
  recordEvent(accountId: string, region: string, event: TestPartnerEvent): void
  /** LookupEvents in (account, region) answers this error; default AccessDeniedException. */
  denyLookupEvents(accountId: string, region: string, error?: TestError): void
  /** The next `count` LookupEvents in (account, region) answer ThrottlingException. */
  throttleLookupEvents(accountId: string, region: string, count: number): void
  /** LookupEvents in (account, region) answers HTTP 200 with exactly this body. */
  setLookupEventsBody(accountId: string, region: string, body: string): void
  reset(): void
}

/**
 * The model's target prefix, which the AWS CLI sends; the JavaScript SDK (3.11xx) sends the short
 * form `CloudTrail_20131101.LookupEvents`, which AWS accepts too.
 */
const TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents'
const SHORT_TARGET = 'CloudTrail_20131101.LookupEvents'
const JSON_TYPE = 'application/x-amz-json-1.1'
const ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId']

const scopeKey = (accountId: string, region: string) => `${accountId}\u0000${region}`

function jsonError(code: string, message: string, status = 400): DiscoveryAnswer {
  return { kind: 'xml', status, code, contentType: JSON_TYPE, body: () => JSON.stringify({ __type: code, message }) }
}

/** A stable UUID-shaped id from the event's content, so answers are reproducible. */
function idOf(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** The default caller of an operation: a person's role session for what the account does, the partner's role for status pushes. */
function defaultPrincipal(accountId: string, e: TestPartnerEvent): string {
  return e.event === 'UpdatePartnerStatus' ? `arn:aws:sts::${accountId}:assumed-role/RedshiftPartner-${e.partner}/${e.partner.toLowerCase()}` : `arn:aws:sts::${accountId}:assumed-role/DataEng/alice`
}

/** The event as AWS returns it in LookupEvents: the record's summary, and the whole record as a JSON string. */
function eventJson(accountId: string, region: string, e: TestPartnerEvent): Record<string, unknown> {
  const principal = e.principal ?? defaultPrincipal(accountId, e)
  const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(principal)
  const eventId = idOf('event', accountId, region, e.event, e.at, e.cluster, e.database, e.partner)
  const requestId = idOf('request', accountId, region, e.event, e.at, e.cluster, e.database, e.partner)
  const accessKeyId = `ASIA${accountId}`
  const parameters: Record<string, string> = { accountId, clusterIdentifier: e.cluster, databaseName: e.database, partnerName: e.partner }
  if (e.event === 'UpdatePartnerStatus') parameters.status = e.status ?? 'Active'
  const record = {
    eventVersion: '1.09',
    userIdentity: role
      ? {
          type: 'AssumedRole',
          principalId: `AROA${role[1]}:${role[3]}`,
          arn: principal,
          accountId: role[1],
          accessKeyId,
          sessionContext: { sessionIssuer: { type: 'Role', principalId: `AROA${role[1]}`, arn: `arn:aws:iam::${role[1]}:role/${role[2]}`, accountId: role[1], userName: role[2] }, attributes: { creationDate: e.at, mfaAuthenticated: 'false' } },
        }
      : { type: 'IAMUser', principalId: `AIDA${accountId}`, arn: principal, accountId, accessKeyId, userName: principal.split('/').pop() },
    eventTime: e.at.replace(/\.\d+Z$/, 'Z'),
    eventSource: e.eventSource ?? 'redshift.amazonaws.com',
    eventName: e.event,
    awsRegion: region,
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.8 md/arch#x86_64 lang/python#3.11.9',
    ...(e.errorCode ? { errorCode: e.errorCode, errorMessage: `${e.errorCode} for ${e.cluster}` } : {}),
    requestParameters: parameters,
    responseElements: e.errorCode ? null : { databaseName: e.database, partnerName: e.partner },
    requestID: requestId,
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `redshift.${region}.amazonaws.com` },
  }
  return {
    EventId: eventId,
    EventName: e.event,
    ReadOnly: 'false',
    AccessKeyId: accessKeyId,
    EventTime: Date.parse(e.at) / 1000,
    EventSource: record.eventSource,
    Username: role ? role[3] : principal.split('/').pop(),
    Resources: [{ ResourceType: 'AWS::Redshift::Cluster', ResourceName: e.cluster }],
    CloudTrailEvent: JSON.stringify(record),
  }
}

/** What a lookup attribute selects, for the keys this server answers. */
function matches(attribute: { key: string; value: string } | undefined, item: Record<string, unknown>): boolean {
  if (!attribute) return true
  if (attribute.key === 'ResourceName') return (item.Resources as Array<{ ResourceName: string }>).some((r) => r.ResourceName === attribute.value)
  if (attribute.key === 'ResourceType') return (item.Resources as Array<{ ResourceType: string }>).some((r) => r.ResourceType === attribute.value)
  return item[attribute.key] === attribute.value
}

const token = (offset: number, query: string) => Buffer.from(JSON.stringify(['events', offset, query])).toString('base64')

export function createCloudTrailState(accountOf: (accessKeyId: string | undefined) => string | undefined): CloudTrailServerState & {
  lookupEvents(call: DiscoveryCall, headers: IncomingHttpHeaders, body: string): DiscoveryAnswer
} {
  const events = new Map<string, TestPartnerEvent[]>()
  const denials = new Map<string, TestError>()
  const throttles = new Map<string, number>()
  const bodies = new Map<string, string>()

  function lookupEvents(call: DiscoveryCall, headers: IncomingHttpHeaders, body: string): DiscoveryAnswer {
    const target = String(headers['x-amz-target'] ?? '')
    const known = target === TARGET || target === SHORT_TARGET
    call.action = known ? 'LookupEvents' : target
    if (!known) return jsonError('UnknownOperationException', `Unknown operation ${target}`)
    const input = jsonInputOf(call, body)
    if (!input) return jsonError('SerializationException', 'Start of structure or map found where not expected.')
    const accountId = accountOf(call.accessKeyId)
    if (accountId === undefined) return jsonError('UnrecognizedClientException', 'The security token included in the request is invalid.')
    call.accountId = accountId
    const region = call.region ?? ''
    const key = scopeKey(accountId, region)
    const throttled = throttles.get(key) ?? 0
    if (throttled > 0) {
      throttles.set(key, throttled - 1)
      return jsonError('ThrottlingException', 'Rate exceeded')
    }
    const denial = denials.get(key)
    if (denial) {
      const message =
        denial.message ??
        `User: arn:aws:iam::${accountId}:user/partner-drift is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`
      return jsonError(denial.code, message, denial.status ?? 400)
    }
    const raw = bodies.get(key)
    if (raw !== undefined) return { kind: 'xml', status: 200, code: 'RawBody', contentType: JSON_TYPE, body: () => raw }

    const attributes = input.LookupAttributes
    let attribute: { key: string; value: string } | undefined
    if (attributes !== undefined && attributes !== null) {
      if (!Array.isArray(attributes)) return jsonError('SerializationException', 'Expected list for LookupAttributes')
      if (attributes.length > 1) return jsonError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.')
      const [first] = attributes as Array<{ AttributeKey?: unknown; AttributeValue?: unknown }>
      if (first) {
        if (typeof first.AttributeKey !== 'string' || !ATTRIBUTE_KEYS.includes(first.AttributeKey)) return jsonError('InvalidLookupAttributesException', `Invalid attribute key: ${String(first.AttributeKey)}`)
        if (typeof first.AttributeValue !== 'string' || first.AttributeValue === '') return jsonError('InvalidLookupAttributesException', 'The attribute value must not be empty.')
        attribute = { key: first.AttributeKey, value: first.AttributeValue }
      }
    }
    const seconds = (value: unknown, name: string): number | DiscoveryAnswer | undefined => {
      if (value === undefined || value === null) return undefined
      if (typeof value !== 'number' || !Number.isFinite(value)) return jsonError('SerializationException', `${name} must be a timestamp in epoch seconds`)
      return value
    }
    const start = seconds(input.StartTime, 'StartTime')
    const end = seconds(input.EndTime, 'EndTime')
    if (typeof start === 'object') return start
    if (typeof end === 'object') return end
    if (start !== undefined && end !== undefined && start > end) return jsonError('InvalidTimeRangeException', 'Start time must be earlier than end time.')
    let pageSize = 50
    if (input.MaxResults !== undefined && input.MaxResults !== null) {
      if (typeof input.MaxResults !== 'number' || !Number.isInteger(input.MaxResults) || input.MaxResults < 1 || input.MaxResults > 50) {
        return jsonError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.')
      }
      pageSize = input.MaxResults
    }
    const query = JSON.stringify([attribute ?? null, start ?? null, end ?? null])
    let offset = 0
    if (input.NextToken !== undefined && input.NextToken !== null) {
      try {
        const decoded = JSON.parse(Buffer.from(String(input.NextToken), 'base64').toString('utf8')) as unknown
        if (!Array.isArray(decoded) || decoded[0] !== 'events' || !Number.isInteger(decoded[1]) || decoded[2] !== query) throw new Error('not ours')
        offset = decoded[1] as number
      } catch {
        return jsonError('InvalidNextTokenException', 'Invalid NextToken.')
      }
    }
    const selected = (events.get(key) ?? [])
      .map((e) => eventJson(accountId, region, e))
      .filter((item) => matches(attribute, item))
      .filter((item) => (start === undefined || (item.EventTime as number) >= start) && (end === undefined || (item.EventTime as number) <= end))
      .sort((a, b) => (b.EventTime as number) - (a.EventTime as number))
    const page = selected.slice(offset, offset + pageSize)
    const answer = { Events: page, ...(offset + pageSize < selected.length ? { NextToken: token(offset + pageSize, query) } : {}) }
    const text = JSON.stringify(answer)
    return { kind: 'xml', status: 200, contentType: JSON_TYPE, body: () => text }
  }

  return {
    lookupEvents,
    recordEvent(accountId, region, event) {
      const key = scopeKey(accountId, region)
      events.set(key, [...(events.get(key) ?? []), { ...event }])
    },
    denyLookupEvents(accountId, region, error = { code: 'AccessDeniedException' }) {
      denials.set(scopeKey(accountId, region), { ...error })
    },
    throttleLookupEvents(accountId, region, count) {
      throttles.set(scopeKey(accountId, region), count)
    },
    setLookupEventsBody(accountId, region, body) {
      bodies.set(scopeKey(accountId, region), body)
    },
    reset() {
      events.clear()
      denials.clear()
      throttles.clear()
      bodies.clear()
    },
  }
}
