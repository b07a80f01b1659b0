/**
 * A scriptable, in-process HTTP server that speaks the Amazon Redshift Query protocol
 * (API version 2012-12-01) for the partner-integration operations: DescribePartners,
 * AddPartner, DeletePartner and UpdatePartnerStatus.
 *
 * It exists so tests can drive the REAL `@aws-sdk/client-redshift` and the real AWS CLI
 * over real HTTP. The wire format follows /work/shared/reference/redshift-partner-api.md:
 * no XML declaration, two-space indentation, LF, trailing newline, list items named
 * `<PartnerIntegrationInfo>`, `ErrorResponse` bodies, `x-amzn-RequestId` header.
 *
 * Order in which a request is handled (each step can answer and stop):
 *   1. authentication: a SigV4 `Authorization` header scoped to service `redshift`
 *      (the region is taken from its credential scope; the signature is not verified);
 *   2. the global rate limit (`setRateLimit`: a token bucket, answered as Redshift answers
 *      throttling: `Throttling`, HTTP 400, Sender, "Rate exceeded"; a throttled request takes
 *      no token);
 *   3. `Action` / `Version`;
 *   4. per-cluster transport behaviours, looked up by (region, AccountId, ClusterIdentifier)
 *      as sent: `hang`, `throttleAlways`, then the "first N" phases in the order
 *      `resetFirst` -> `serverErrorFirst` -> `throttleFirst` (they chain: with resetFirst 1
 *      and throttleFirst 2, call 1 is reset, calls 2-3 are throttled, call 4 is served);
 *   5. parameter validation (MissingParameter, then InvalidParameterValue);
 *   6. per-cluster `error`, then `malformed`, then `body` (a raw HTTP 200 answer, for any of
 *      the four operations, whether or not the cluster is registered with setCluster);
 *   7. the operation itself (ClusterNotFound, PartnerNotFound, or success).
 * The integrations given to setCluster are served as they are: duplicates stay duplicates and
 * a Status outside the four documented ones (say `Pending`) is sent as written. Text is
 * XML-escaped (`&<>"'` and CR as `&#13;`); other control characters are written raw, which the
 * SDK reads back unchanged. For anything a well-behaved endpoint would never send (an empty
 * body, an HTML page, another root element, an item without Status...) serve `body`, built by
 * hand or from describePartnersXml.
 * `latencyMs` (the cluster's, else the server-wide one) delays every answer, errors included.
 *
 * Discovery (DescribeClusters after step 3, AWS Organizations' JSON calls instead of steps 2-7,
 * STS GetCallerIdentity and AssumeRole denials) is answered by test/helpers/discovery-server.ts, set up through `discovery`;
 * CloudTrail LookupEvents (JSON 1.1, signed for service `cloudtrail`) by test/helpers/cloudtrail-server.ts, through `cloudTrail`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Test } from 'uvu'

import { type CloudTrailServerState, createCloudTrailState } from './cloudtrail-server.js'
import { createDiscoveryState, type DiscoveryServerState } from './discovery-server.js'

export interface Integration {
  DatabaseName: string
  PartnerName: string
  Status: string
  StatusMessage?: string
  /** Emitted verbatim (so a test can also serve a malformed timestamp); use RFC 3339. */
  CreatedAt?: string
  /** Emitted verbatim; use RFC 3339. */
  UpdatedAt?: string
}

export interface ClusterBehaviour {
  /** Delay before answering each call for this cluster (overrides the server-wide latency). */
  latencyMs?: number
  /**
   * Always answer with this error (after parameter validation). `status` defaults to the
   * reference's HTTP status for the code (400 for unknown codes), `type` to Receiver for 5xx
   * and Sender otherwise, `message` to a per-code default.
   */
  error?: { code: string; message?: string; status?: number; type?: 'Sender' | 'Receiver' }
  /** The first N calls answer Throttling (HTTP 400, Sender, 'Rate exceeded'). */
  throttleFirst?: number
  throttleAlways?: boolean
  /** The first N calls answer 503 ServiceUnavailable (Receiver). */
  serverErrorFirst?: number
  /** The first N calls: the connection is reset without an answer. */
  resetFirst?: number
  /** Never answer (until the client gives up or the server closes). */
  hang?: boolean
  /** Answer 200 with broken XML (a DescribePartners answer cut off in the middle of an item). */
  malformed?: boolean
  /**
   * Answer HTTP 200 with exactly these bytes (a string is sent as UTF-8), with the usual
   * `x-amzn-RequestId`, `Content-Length` and `Date` headers and `Content-Type: bodyContentType`.
   * Checked after `error` and `malformed`, so the transport behaviours above still apply first
   * (e.g. `throttleFirst: 1` then the raw body). The call is recorded with status 200 and code
   * `RawBody`. Examples: `''`, `'<html>...</html>'` with `bodyContentType: 'text/html'`,
   * `describePartnersXml([...]).replace(...)` for a mutated answer.
   */
  body?: string | Uint8Array
  /** Content-Type of `body`; default `text/xml`, as Redshift sends. */
  bodyContentType?: string
}

export interface RecordedCall {
  action: string
  params: Record<string, string>
  region: string | undefined
  accessKeyId: string | undefined
  accountId?: string
  cluster?: string
  /** HTTP status answered; 0 when no HTTP answer was given (reset, hang). */
  status: number
  /** Error code answered; `ConnectionReset` for a reset, `NoResponse` for a hang; absent on success. */
  code?: string
  /** The `x-amzn-RequestId` answered, when an HTTP answer was given. */
  requestId?: string
  /** Date.now() when the request arrived. */
  at: number
}

export interface RedshiftTestServer {
  /** http://127.0.0.1:PORT */
  url: string
  /** Set the integrations of one cluster; region omitted = any region. `behaviour`, when given, replaces the cluster's behaviour. */
  setCluster(c: { accountId: string; cluster: string; region?: string; integrations: Integration[]; behaviour?: ClusterBehaviour }): void
  /** Replace the behaviour of one cluster (the cluster need not be registered) and restart its "first N" counters. */
  setBehaviour(c: { accountId: string; cluster: string; region?: string }, b: ClusterBehaviour): void
  /**
   * Token bucket: `perSecond` tokens a second, at most `burst` (default `perSecond`, so at
   * most that many at once) saved up; a request finding no token is answered Throttling. One
   * bucket for the server, or with `perScope` one per (account, region), as AWS throttles.
   * `undefined` switches the limit off.
   */
  setRateLimit(perSecond: number | undefined, options?: { burst?: number; perScope?: boolean }): void
  /** Every request, in arrival order (emptied in place by reset()). */
  calls: RecordedCall[]
  callCount(filter?: { action?: string; cluster?: string; accountId?: string; region?: string }): number
  /** Discovery: DescribeClusters, Organizations and AssumeRole denials (test/helpers/discovery-server.ts). */
  discovery: DiscoveryServerState
  /** CloudTrail: recorded partner events, denials and throttling of LookupEvents (test/helpers/cloudtrail-server.ts). */
  cloudTrail: CloudTrailServerState
  /** Clear clusters, behaviours, calls, the rate limit and the discovery state. */
  reset(): void
  /** Stop listening; ends hung and delayed requests and every open socket promptly. */
  close(): Promise<void>
}

const API_VERSION = '2012-12-01'
const XMLNS = 'http://redshift.amazonaws.com/doc/2012-12-01/'
const ANY_REGION = '*'
const MAX_BODY_BYTES = 4 * 1024 * 1024

const OPERATIONS = ['DescribePartners', 'AddPartner', 'DeletePartner', 'UpdatePartnerStatus'] as const
type Operation = (typeof OPERATIONS)[number]

const STATUSES = ['Active', 'Inactive', 'RuntimeFailure', 'ConnectionFailure']

/** HTTP status per error code: the modelled faults from the reference, plus the common Query/auth codes. */
const DEFAULT_HTTP_STATUS: Record<string, number> = {
  ClusterNotFound: 404,
  UnauthorizedPartnerIntegration: 401,
  UnsupportedOperation: 400,
  PartnerNotFound: 404,
  AccessDenied: 403,
  AccessDeniedException: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  ExpiredToken: 400,
  RequestExpired: 400,
  Throttling: 400,
  ThrottlingException: 400,
  RequestLimitExceeded: 400,
  InvalidParameterValue: 400,
  InvalidParameterCombination: 400,
  MissingParameter: 400,
  MissingAction: 400,
  InvalidAction: 400,
  ValidationError: 400,
  InternalFailure: 500,
  InternalError: 500,
  ServiceUnavailable: 503,
}

function defaultMessage(code: string, action: string, p: Record<string, string>): string {
  switch (code) {
    case 'ClusterNotFound':
      return `Cluster ${p.ClusterIdentifier ?? ''} not found.`
    case 'UnauthorizedPartnerIntegration':
      return 'The partner integration is not authorized.'
    case 'UnsupportedOperation':
      return "The requested operation isn't supported."
    case 'PartnerNotFound':
      return 'The name of the partner was not found.'
    case 'AccessDenied':
    case 'AccessDeniedException':
      return `User: arn:aws:iam::${p.AccountId ?? '000000000000'}:user/test is not authorized to perform: redshift:${action}`
    case 'Throttling':
    case 'ThrottlingException':
      return 'Rate exceeded'
    case 'ServiceUnavailable':
      return 'Service is unavailable. Please try again later.'
    case 'InternalFailure':
    case 'InternalError':
      return 'The request processing has failed because of an unknown error, exception or failure.'
    default:
      return code
  }
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : '&#13;',
  )
}

const pad = (depth: number) => '  '.repeat(depth)
const leaf = (depth: number, name: string, value: string) => `${pad(depth)}<${name}>${xmlEscape(value)}</${name}>\n`

function successBody(action: Operation, requestId: string, result: string[]): string {
  // `result` are the lines inside <ActionResult>, already indented for depth 2.
  const inner = result.length === 0 ? `${pad(1)}<${action}Result/>\n` : `${pad(1)}<${action}Result>\n${result.join('')}${pad(1)}</${action}Result>\n`
  return (
    `<${action}Response xmlns="${XMLNS}">\n` +
    inner +
    `${pad(1)}<ResponseMetadata>\n` +
    leaf(2, 'RequestId', requestId) +
    `${pad(1)}</ResponseMetadata>\n` +
    `</${action}Response>\n`
  )
}

function errorBody(type: string, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}">\n` +
    `${pad(1)}<Error>\n` +
    leaf(2, 'Type', type) +
    leaf(2, 'Code', code) +
    leaf(2, 'Message', message) +
    `${pad(1)}</Error>\n` +
    leaf(1, 'RequestId', requestId) +
    `</ErrorResponse>\n`
  )
}

function integrationLines(list: Integration[]): string[] {
  if (list.length === 0) return [`${pad(2)}<PartnerIntegrationInfoList/>\n`]
  const out = [`${pad(2)}<PartnerIntegrationInfoList>\n`]
  for (const i of list) {
    out.push(`${pad(3)}<PartnerIntegrationInfo>\n`)
    out.push(leaf(4, 'DatabaseName', i.DatabaseName))
    out.push(leaf(4, 'PartnerName', i.PartnerName))
    out.push(leaf(4, 'Status', i.Status))
    if (i.StatusMessage !== undefined) out.push(leaf(4, 'StatusMessage', i.StatusMessage))
    if (i.CreatedAt !== undefined) out.push(leaf(4, 'CreatedAt', i.CreatedAt))
    if (i.UpdatedAt !== undefined) out.push(leaf(4, 'UpdatedAt', i.UpdatedAt))
    out.push(`${pad(3)}</PartnerIntegrationInfo>\n`)
  }
  out.push(`${pad(2)}</PartnerIntegrationInfoList>\n`)
  return out
}

/**
 * The exact bytes the server answers DescribePartners with for `integrations` (same layout,
 * escaping and namespace), as a starting point for hand-made or mutated `body` answers.
 */
export function describePartnersXml(integrations: Integration[], requestId = '00000000-0000-4000-8000-000000000000'): string {
  return successBody('DescribePartners', requestId, integrationLines(integrations))
}

// ---------------------------------------------------------------- validation

interface Constraint {
  min?: number
  max?: number
  pattern?: RegExp
  enum?: string[]
}

const CONSTRAINTS: Record<string, Constraint> = {
  AccountId: { min: 12, max: 12, pattern: /^[0-9]+$/ },
  ClusterIdentifier: { max: 63, pattern: /^[a-zA-Z0-9-]+$/ },
  DatabaseName: { max: 127, pattern: /^[\p{L}_][\p{L}\p{N}@$#_]+$/u },
  PartnerName: { max: 255, pattern: /^[a-zA-Z0-9\-_]+$/ },
  StatusMessage: { max: 262144, pattern: /^[\x20-\x7E]+$/ },
  Status: { enum: STATUSES },
}

const PATTERN_TEXT: Record<string, string> = {
  AccountId: '^[0-9]+$',
  ClusterIdentifier: '^[a-zA-Z0-9\\-]+$',
  DatabaseName: '^[\\p{L}_][\\p{L}\\p{N}@$#_]+$',
  PartnerName: '^[a-zA-Z0-9\\-_]+$',
  StatusMessage: '^[\\x20-\\x7E]+$',
}

const REQUIRED: Record<Operation, string[]> = {
  DescribePartners: ['AccountId', 'ClusterIdentifier'],
  AddPartner: ['AccountId', 'ClusterIdentifier', 'DatabaseName', 'PartnerName'],
  DeletePartner: ['AccountId', 'ClusterIdentifier', 'DatabaseName', 'PartnerName'],
  UpdatePartnerStatus: ['AccountId', 'ClusterIdentifier', 'DatabaseName', 'PartnerName', 'Status'],
}

const OPTIONAL: Record<Operation, string[]> = {
  DescribePartners: ['DatabaseName', 'PartnerName'],
  AddPartner: [],
  DeletePartner: [],
  UpdatePartnerStatus: ['StatusMessage'],
}

function violations(name: string, value: string): string[] {
  const c = CONSTRAINTS[name]
  if (!c) return []
  const member = name[0]!.toLowerCase() + name.slice(1)
  const shown = value.length > 80 ? value.slice(0, 80) + '...' : value
  const at = `Value '${shown}' at '${member}' failed to satisfy constraint: `
  const out: string[] = []
  const length = [...value].length
  if (c.min !== undefined && length < c.min) out.push(`${at}Member must have length greater than or equal to ${c.min}`)
  if (c.max !== undefined && length > c.max) out.push(`${at}Member must have length less than or equal to ${c.max}`)
  if (c.pattern && !c.pattern.test(value)) out.push(`${at}Member must satisfy regular expression pattern: ${PATTERN_TEXT[name]}`)
  if (c.enum && !c.enum.includes(value)) out.push(`${at}Member must satisfy enum value set: [${c.enum.join(', ')}]`)
  return out
}

// ---------------------------------------------------------------- auth

interface Auth {
  region?: string
  accessKeyId?: string
  service?: string
  error?: { code: string; status: number; message: string }
}

function parseAuth(req: IncomingMessage): Auth {
  const header = req.headers.authorization
  if (!header) return { error: { code: 'MissingAuthenticationToken', status: 403, message: 'Request is missing Authentication Token' } }
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header.trim())
  if (!m) {
    return { error: { code: 'IncompleteSignature', status: 400, message: `Unsupported Authorization scheme: expected AWS4-HMAC-SHA256. Authorization=${header}` } }
  }
  const fields = new Map<string, string>()
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const auth: Auth = {}
  const credential = fields.get('Credential')
  const scope = credential?.split('/')
  if (scope && scope.length === 5) {
    auth.accessKeyId = scope[0]
    auth.region = scope[2]
    auth.service = scope[3]
  }
  const missing: string[] = []
  if (!credential) missing.push("Authorization header requires 'Credential' parameter.")
  if (!fields.get('Signature')) missing.push("Authorization header requires 'Signature' parameter.")
  if (!fields.get('SignedHeaders')) missing.push("Authorization header requires 'SignedHeaders' parameter.")
  if (!req.headers['x-amz-date'] && !req.headers.date) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
  }
  if (missing.length > 0) {
    auth.error = { code: 'IncompleteSignature', status: 400, message: `${missing.join(' ')} Authorization=${header}` }
    return auth
  }
  if (!scope || scope.length !== 5 || scope.some((s) => s === '') || scope[4] !== 'aws4_request') {
    auth.error = {
      code: 'IncompleteSignature',
      status: 400,
      message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    }
    return auth
  }
  // STS, Organizations and CloudTrail are served too, so that assume-role runs, discovery and attribution can be tested end to end.
  if (scope[3] !== 'redshift' && scope[3] !== 'sts' && scope[3] !== 'organizations' && scope[3] !== 'cloudtrail') {
    auth.error = { code: 'SignatureDoesNotMatch', status: 403, message: "Credential should be scoped to correct service: 'redshift'. " }
  }
  return auth
}

// ---------------------------------------------------------------- server

type Answer =
  | { kind: 'xml'; status: number; body: (requestId: string) => string | Uint8Array; code?: string; contentType?: string }
  | { kind: 'reset' }
  | { kind: 'hang' }

interface BehaviourState {
  b: ClusterBehaviour
  seen: number
}

const clusterKey = (region: string | undefined, accountId: string, cluster: string) => `${region ?? ANY_REGION}\u0000${accountId}\u0000${cluster}`

export async function startRedshiftServer(opts: { port?: number; latencyMs?: number } = {}): Promise<RedshiftTestServer> {
  const clusters = new Map<string, Integration[]>()
  const behaviours = new Map<string, BehaviourState>()
  const calls: RecordedCall[] = []
  let limit: { perSecond: number; burst: number; perScope: boolean } | undefined
  const buckets = new Map<string, { tokens: number; at: number }>()
  const discovery = createDiscoveryState()
  const cloudTrail = createCloudTrailState(discovery.accountOf)
  let closed = false

  const sockets = new Set<Socket>()
  const hung = new Set<ServerResponse>()
  const timers = new Set<NodeJS.Timeout>()

  function lookup<T>(map: Map<string, T>, region: string | undefined, accountId: string, cluster: string): T | undefined {
    return (region !== undefined ? map.get(clusterKey(region, accountId, cluster)) : undefined) ?? map.get(clusterKey(undefined, accountId, cluster))
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.add(t)
      // If close() clears the timer the promise never settles; nothing else holds the request then.
    })
  }

  function xmlError(code: string, action: string, params: Record<string, string>, over: { message?: string; status?: number; type?: 'Sender' | 'Receiver' } = {}): Answer {
    const status = over.status ?? DEFAULT_HTTP_STATUS[code] ?? 400
    const type = over.type ?? (status >= 500 ? 'Receiver' : 'Sender')
    const message = over.message ?? defaultMessage(code, action, params)
    return { kind: 'xml', status, code, body: (id) => errorBody(type, code, message, id) }
  }

  /**
   * STS AssumeRole (Query protocol, version 2011-06-15): temporary credentials whose access key
   * id names the role's account (`ASIA<account>`), so tests can see which role signed a call.
   */
  function assumeRole(action: string, p: Record<string, string>): Answer {
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(.+)$/.exec(p.RoleArn ?? '')
    if (action !== 'AssumeRole' || p.Version !== '2011-06-15') return xmlError('InvalidAction', action, p, { message: `Could not find operation ${action}` })
    if (!account) return xmlError('ValidationError', action, p, { message: `Invalid RoleArn ${p.RoleArn ?? ''}` })
    const [, accountId, roleName] = account
    const session = p.RoleSessionName ?? 'session'
    const expiration = new Date(Date.now() + 3_600_000).toISOString()
    return {
      kind: 'xml',
      status: 200,
      body: (id) =>
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <AssumeRoleResult>\n    <Credentials>\n` +
        `      <AccessKeyId>ASIA${accountId}</AccessKeyId>\n      <SecretAccessKey>secret-${accountId}</SecretAccessKey>\n` +
        `      <SessionToken>token-${accountId}</SessionToken>\n      <Expiration>${expiration}</Expiration>\n    </Credentials>\n` +
        `    <AssumedRoleUser>\n      <AssumedRoleId>AROA${accountId}:${xmlEscape(session)}</AssumedRoleId>\n` +
        `      <Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(session)}</Arn>\n    </AssumedRoleUser>\n` +
        `  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>${id}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n`,
    }
  }

  function decide(call: RecordedCall, auth: Auth): { answer: Answer; latency: number | undefined } {
    const p = call.params
    const action = call.action
    const globalLatency = opts.latencyMs
    if (auth.error) return { answer: xmlError(auth.error.code, action, p, auth.error), latency: globalLatency }
    if (auth.service === 'sts') return { answer: discovery.sts(p, auth.accessKeyId) ?? assumeRole(action, p), latency: globalLatency }

    if (limit) {
      const now = performance.now()
      const key = limit.perScope ? `${call.accountId ?? ''}/${call.region ?? ''}` : ''
      let bucket = buckets.get(key)
      if (!bucket) buckets.set(key, (bucket = { tokens: limit.burst, at: now }))
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000)
      bucket.at = now
      if (bucket.tokens < 1) return { answer: xmlError('Throttling', action, p), latency: globalLatency }
      bucket.tokens -= 1
    }

    if (!action) return { answer: xmlError('MissingAction', action, p, { message: 'Missing Action' }), latency: globalLatency }
    if (action === 'DescribeClusters') return { answer: discovery.describeClusters(call), latency: globalLatency }
    if (!(OPERATIONS as readonly string[]).includes(action)) {
      return { answer: xmlError('InvalidAction', action, p, { message: `The action ${action} is not valid for this web service.` }), latency: globalLatency }
    }
    const op = action as Operation
    if (p.Version === undefined) {
      return { answer: xmlError('MissingParameter', action, p, { message: 'The request must contain the parameter Version' }), latency: globalLatency }
    }
    if (p.Version !== API_VERSION) {
      return { answer: xmlError('InvalidAction', action, p, { message: `Could not find operation ${action} for version ${p.Version}` }), latency: globalLatency }
    }

    const state = p.AccountId !== undefined && p.ClusterIdentifier !== undefined ? lookup(behaviours, call.region, p.AccountId, p.ClusterIdentifier) : undefined
    const b = state?.b ?? {}
    const latency = b.latencyMs ?? globalLatency
    const answer = (a: Answer) => ({ answer: a, latency })

    if (b.hang) return answer({ kind: 'hang' })
    if (b.throttleAlways) return answer(xmlError('Throttling', action, p))
    if (state) {
      const n = state.seen++
      const resets = b.resetFirst ?? 0
      const fives = b.serverErrorFirst ?? 0
      const throttles = b.throttleFirst ?? 0
      if (n < resets) return answer({ kind: 'reset' })
      if (n < resets + fives) return answer(xmlError('ServiceUnavailable', action, p, { status: 503, type: 'Receiver' }))
      if (n < resets + fives + throttles) return answer(xmlError('Throttling', action, p))
    }

    for (const name of REQUIRED[op]) {
      if (p[name] === undefined) return answer(xmlError('MissingParameter', action, p, { message: `The request must contain the parameter ${name}` }))
    }
    const problems: string[] = []
    for (const name of [...REQUIRED[op], ...OPTIONAL[op]]) {
      if (p[name] !== undefined) problems.push(...violations(name, p[name]))
    }
    if (problems.length > 0) {
      const n = problems.length
      return answer(xmlError('InvalidParameterValue', action, p, { message: `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}` }))
    }

    if (b.error) return answer(xmlError(b.error.code, action, p, b.error))
    if (b.malformed) {
      const broken =
        `<${op}Response xmlns="${XMLNS}">\n  <${op}Result>\n    <PartnerIntegrationInfoList>\n` +
        `      <PartnerIntegrationInfo>\n        <DatabaseName>dev</Datab`
      return answer({ kind: 'xml', status: 200, body: () => broken, code: 'Malformed' })
    }
    if (b.body !== undefined) {
      const raw = b.body
      return answer({ kind: 'xml', status: 200, body: () => raw, code: 'RawBody', contentType: b.bodyContentType ?? 'text/xml' })
    }

    const accountId = p.AccountId!
    const clusterId = p.ClusterIdentifier!
    const list = lookup(clusters, call.region, accountId, clusterId)
    if (!list) return answer(xmlError('ClusterNotFound', action, p))
    return answer(operate(op, p, list))
  }

  function operate(op: Operation, p: Record<string, string>, list: Integration[]): Answer {
    const find = () => list.findIndex((i) => i.DatabaseName === p.DatabaseName && i.PartnerName === p.PartnerName)
    const now = new Date().toISOString()
    const names = () => [leaf(2, 'DatabaseName', p.DatabaseName!), leaf(2, 'PartnerName', p.PartnerName!)]
    switch (op) {
      case 'DescribePartners': {
        const matching = list.filter(
          (i) => (p.DatabaseName === undefined || i.DatabaseName === p.DatabaseName) && (p.PartnerName === undefined || i.PartnerName === p.PartnerName),
        )
        const lines = integrationLines(matching)
        return { kind: 'xml', status: 200, body: (id) => successBody(op, id, lines) }
      }
      case 'AddPartner': {
        // Unverified what real Redshift does for an existing integration; here it is idempotent.
        if (find() < 0) list.push({ DatabaseName: p.DatabaseName!, PartnerName: p.PartnerName!, Status: 'Inactive', CreatedAt: now, UpdatedAt: now })
        return { kind: 'xml', status: 200, body: (id) => successBody(op, id, names()) }
      }
      case 'DeletePartner': {
        const i = find()
        if (i < 0) return xmlError('PartnerNotFound', op, p)
        list.splice(i, 1)
        return { kind: 'xml', status: 200, body: (id) => successBody(op, id, names()) }
      }
      case 'UpdatePartnerStatus': {
        const i = find()
        if (i < 0) return xmlError('PartnerNotFound', op, p)
        const cur = list[i]!
        const next: Integration = { DatabaseName: cur.DatabaseName, PartnerName: cur.PartnerName, Status: p.Status! }
        if (p.StatusMessage !== undefined) next.StatusMessage = p.StatusMessage
        if (cur.CreatedAt !== undefined) next.CreatedAt = cur.CreatedAt
        next.UpdatedAt = now
        list[i] = next
        return { kind: 'xml', status: 200, body: (id) => successBody(op, id, names()) }
      }
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_BODY_BYTES) throw new Error('request body too large')
      chunks.push(chunk)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  function send(res: ServerResponse, call: RecordedCall, a: Extract<Answer, { kind: 'xml' }>): void {
    if (closed || res.destroyed || res.writableEnded) return
    const requestId = randomUUID()
    const answered = a.body(requestId)
    const body = typeof answered === 'string' ? Buffer.from(answered, 'utf8') : Buffer.from(answered)
    call.status = a.status
    if (a.code !== undefined) call.code = a.code
    call.requestId = requestId
    res.writeHead(a.status, {
      'x-amzn-RequestId': requestId,
      'Content-Type': a.contentType ?? 'text/xml',
      'Content-Length': String(body.length),
      Date: new Date().toUTCString(),
    })
    res.end(body)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    let raw: string
    try {
      raw = await readBody(req)
    } catch {
      req.socket.destroy()
      return
    }
    if (closed) return
    const url = new URL(req.url ?? '/', 'http://localhost')
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) params[k] = v
    for (const [k, v] of new URLSearchParams(raw)) params[k] = v

    const auth = parseAuth(req)
    const call: RecordedCall = { action: params.Action ?? '', params, region: auth.region, accessKeyId: auth.accessKeyId, status: 0, at }
    if (params.AccountId !== undefined) call.accountId = params.AccountId
    if (params.ClusterIdentifier !== undefined) call.cluster = params.ClusterIdentifier
    calls.push(call)

    let decision: { answer: Answer; latency: number | undefined }
    if (req.method !== 'POST' && req.method !== 'GET') {
      decision = { answer: xmlError('InvalidAction', call.action, params, { status: 405, message: `Method ${req.method} is not allowed` }), latency: undefined }
    } else if (url.pathname !== '/') {
      decision = { answer: xmlError('InvalidAction', call.action, params, { status: 404, message: `No such resource: ${url.pathname}` }), latency: undefined }
    } else if (auth.service === 'organizations' && !auth.error) {
      decision = { answer: discovery.organizations(call, req.headers, raw), latency: opts.latencyMs }
    } else if (auth.service === 'cloudtrail' && !auth.error) {
      decision = { answer: cloudTrail.lookupEvents(call, req.headers, raw), latency: opts.latencyMs }
    } else {
      decision = decide(call, auth)
    }
    const { answer } = decision

    if (answer.kind === 'hang') {
      call.code = 'NoResponse'
      hung.add(res)
      res.on('close', () => hung.delete(res))
      return
    }
    if (decision.latency && decision.latency > 0) await sleep(decision.latency)
    if (closed) return
    if (answer.kind === 'reset') {
      call.code = 'ConnectionReset'
      const socket = req.socket
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
      else socket.destroy()
      return
    }
    send(res, call, answer)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return
      const requestId = randomUUID()
      const body = Buffer.from(errorBody('Receiver', 'InternalFailure', `test server error: ${String(err)}`, requestId), 'utf8')
      res.writeHead(500, { 'x-amzn-RequestId': requestId, 'Content-Type': 'text/xml', 'Content-Length': String(body.length) })
      res.end(body)
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  const api: RedshiftTestServer = {
    url: `http://127.0.0.1:${port}`,
    calls,
    discovery,
    cloudTrail,
    setCluster(c) {
      clusters.set(
        clusterKey(c.region, c.accountId, c.cluster),
        c.integrations.map((i) => ({ ...i })),
      )
      if (c.behaviour) api.setBehaviour(c, c.behaviour)
    },
    setBehaviour(c, b) {
      behaviours.set(clusterKey(c.region, c.accountId, c.cluster), { b: { ...b }, seen: 0 })
    },
    setRateLimit(perSecond, options = {}) {
      limit = perSecond === undefined ? undefined : { perSecond, burst: options.burst ?? perSecond, perScope: options.perScope ?? false }
      buckets.clear()
    },
    callCount(filter = {}) {
      return calls.filter(
        (c) =>
          (filter.action === undefined || c.action === filter.action) &&
          (filter.cluster === undefined || c.cluster === filter.cluster) &&
          (filter.accountId === undefined || c.accountId === filter.accountId) &&
          (filter.region === undefined || c.region === filter.region),
      ).length
    },
    reset() {
      clusters.clear()
      behaviours.clear()
      calls.length = 0
      limit = undefined
      buckets.clear()
      discovery.reset()
      cloudTrail.reset()
    },
    async close() {
      if (closed) return
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const res of hung) res.destroy()
      hung.clear()
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      sockets.clear()
      await stopped
    },
  }
  return api
}

/** What a suite that runs the CLI against the server keeps: the server and a scratch directory. */
export interface ServerSuiteContext {
  server: RedshiftTestServer
  dir: string
}

/**
 * Starts the server and a scratch directory before the suite, resets the server before each
 * test, and stops and removes both after it: the set-up every suite against the server shares.
 */
export function withRedshiftServer(s: Test<ServerSuiteContext>, prefix: string, opts: { latencyMs?: number } = {}): void {
  s.before(async (ctx) => {
    ctx.server = await startRedshiftServer(opts)
    ctx.dir = await mkdtemp(join(tmpdir(), `partner-drift-${prefix}-`))
  })
  s.after(async (ctx) => {
    await ctx.server.close()
    await rm(ctx.dir, { recursive: true, force: true })
  })
  s.before.each((ctx) => ctx.server.reset())
}
