import type { DescribePartnersCommandOutput, PartnerIntegrationInfo, RedshiftClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-redshift'
import type { AwsCredentialIdentityProvider, Command, FinalizeRequestMiddleware, MiddlewareStack, RetryStrategyV2, StandardRetryBackoffStrategy } from '@smithy/types'
import { type ClusterObservation, type ClusterTarget, type ObservedIntegration, observedIntegrationOf, type SourceContext, type SourceSession, type SourceStats } from 'partner-drift'

import { readDescribePartnersAnswer } from './answer-check.js'
import type { AwsSourceOptions } from './options.js'
import { AdaptiveRateLimiter } from './rate-limiter.js'
import { addRawAnswerChecks, CheckedAnswersQueryProtocol } from './raw-answers.js'
import { DescribePartnersCommand, fromNodeProviderChain, fromTemporaryCredentials, isThrottlingError, RedshiftClient, StandardRetryStrategy } from './sdk.js'

const DEFAULT_MAX_ATTEMPTS = 5
/**
 * What a hung endpoint may cost one cluster in request timeouts over all its attempts: unless
 * `requestTimeoutMs` is given, the per-request timeout is this divided over the attempts (5 s at
 * the default 5 attempts), so with the backoff between them (under 1 s) a cluster whose endpoint
 * never answers is given up after less than 30 s, whatever --max-attempts says.
 */
const HUNG_CLUSTER_BUDGET_MS = 25_000
const MIN_REQUEST_TIMEOUT_MS = 1_000
const MAX_REQUEST_TIMEOUT_MS = 10_000
/** The SDK's backoff base for transient errors and its cap on one backoff (see the API reference). */
const BACKOFF_BASE_MS = 50
const MAX_BACKOFF_MS = 20_000

/** The per-request timeout: the option, else the hung-cluster budget shared by the attempts. */
export function requestTimeoutFor(options: Pick<AwsSourceOptions, 'requestTimeoutMs'>, maxAttempts: number): number {
  return options.requestTimeoutMs ?? Math.min(MAX_REQUEST_TIMEOUT_MS, Math.max(MIN_REQUEST_TIMEOUT_MS, Math.floor(HUNG_CLUSTER_BUDGET_MS / maxAttempts)))
}

/** An account and region, with the role to assume there (none: the standard chain's credentials). */
export interface AwsPlace {
  accountId: string
  region: string
  assumeRole?: string
}

/**
 * What discovery (describe-clusters.ts, organization-accounts.ts) shares with DescribePartners,
 * so that its calls go through the same credentials (a role assumed once per run), clients,
 * retries, timeouts, sockets and rate limiters, and are counted in the same stats.
 */
export interface AwsCalls {
  maxAttempts: number
  /** The credentials calls in `place` are signed with: the role's, assumed once and shared, else the standard chain's. */
  credentialsFor(place: AwsPlace): AwsCredentialIdentityProvider
  /** Sends a Redshift command for `place` through the client DescribePartners uses there, paced by its rate limiter; retries are counted. */
  sendRedshift<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    place: AwsPlace,
    command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, RedshiftClientResolvedConfig>,
    signal: AbortSignal,
  ): Promise<O>
  /**
   * Every attempt of `command` (of any AWS client) waits for its turn at the rate limiter of `api`
   * in `place`'s account and region. Each API has its own quota, so its own limiters; `api`
   * `requestsPerSecond` paces from the first request where the quota is documented.
   */
  paced<C extends { middlewareStack: MiddlewareStack<any, any> }>(command: C, place: AwsPlace, signal: AbortSignal, api: { name: string; requestsPerSecond?: number }): C
  /** Retries, timeouts and sockets for a client of another AWS service (its credentials are the caller's to choose). */
  clientSettings(): { retryStrategy: RetryStrategyV2; requestHandler: Record<string, unknown> }
  /** Counts every attempt a client sends (and the throttled ones) in the source's stats. */
  countCalls(client: { middlewareStack: MiddlewareStack<any, any> }): void
  /** Counts the retries of one call from the attempts the SDK reports (on its output or its error). */
  countRetries(outcome: unknown): void
}

/**
 * Observes clusters with exactly one unfiltered DescribePartners call each: its answer holds
 * every database and partner of the cluster, so missing, extra and unhealthy come from one
 * request. Clients are reused per (region, role); assumed-role credentials per role; one rate
 * limiter per (account, region), shared by every call to it, learns the rate AWS allows there.
 */
export function openDescribePartnersSession(options: AwsSourceOptions, context: SourceContext): SourceSession & { calls: AwsCalls } {
  const counts = { apiCalls: 0, retries: 0, throttled: 0 }
  const env = context.env
  const maxAttempts = options.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || DEFAULT_MAX_ATTEMPTS)
  const requestTimeout = requestTimeoutFor(options, maxAttempts)
  const baseCredentials = sharedCredentials(fromNodeProviderChain(options.profile ? { profile: options.profile } : {}))
  const roleCredentials = new Map<string, AwsCredentialIdentityProvider>()
  const clients = new Map<string, RedshiftClient>()
  const limiters = new Map<string, { accountId: string; region: string; limiter: AdaptiveRateLimiter }>()
  /** The limiters of other APIs (CloudTrail's own quota), by API, account and region: not Redshift's learned rates. */
  const apiLimiters = new Map<string, AdaptiveRateLimiter>()
  // Enough sockets that the orchestrator's concurrency is never queued behind the agent.
  const agent = { keepAlive: true, maxSockets: Math.max(50, context.concurrency ?? 0) }

  const credentialsFor = (target: AwsPlace): AwsCredentialIdentityProvider => {
    if (!target.assumeRole) return baseCredentials
    let provider = roleCredentials.get(target.assumeRole)
    if (!provider) {
      const role = target.assumeRole
      const assumed = sharedCredentials(
        fromTemporaryCredentials({
          params: { RoleArn: role, RoleSessionName: 'partner-drift', DurationSeconds: 900 },
          masterCredentials: baseCredentials,
          clientConfig: { region: target.region },
        }),
      )
      // What fails here is assuming the role, not the call it was for: failureObservation says so.
      provider = async () => {
        try {
          return await assumed()
        } catch (error) {
          if (typeof error === 'object' && error !== null) assumeRoleFailures.set(error, role)
          throw error
        }
      }
      roleCredentials.set(role, provider)
    }
    return provider
  }

  const limiterFor = (target: AwsPlace): AdaptiveRateLimiter => {
    // AWS throttles per account and region, whichever role or client the calls come through.
    const key = `${target.accountId}\u0000${target.region}`
    let entry = limiters.get(key)
    if (!entry) {
      entry = { accountId: target.accountId, region: target.region, limiter: new AdaptiveRateLimiter() }
      limiters.set(key, entry)
    }
    return entry.limiter
  }

  const clientSettings = () => ({
    retryStrategy: new StandardRetryStrategy({ maxAttempts, backoff: retryBackoff(options.retryDelayScale ?? 1) }),
    // Without throwOnRequestTimeout the SDK only logs a warning when the timeout passes and keeps waiting.
    requestHandler: { requestTimeout, throwOnRequestTimeout: true, httpAgent: agent, httpsAgent: agent },
  })

  const countCalls = (client: { middlewareStack: MiddlewareStack<any, any> }): void => {
    // Runs once per attempt (the deserialize step sits inside the retry loop), so it sees every request sent.
    client.middlewareStack.add(
      (next) => async (args) => {
        counts.apiCalls++
        try {
          return await next(args)
        } catch (error) {
          if (isThrottled(error)) counts.throttled++
          throw error
        }
      },
      { step: 'deserialize', name: 'partnerDriftCallCounter', priority: 'high' },
    )
  }

  const countRetries = (outcome: unknown): void => {
    counts.retries += Math.max(0, ((outcome as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1) - 1)
  }

  /**
   * The limiter and signal of each Redshift call in flight, by its input object: the SDK hands the
   * middleware the very `command.input` the call was sent with. One middleware on each client then
   * paces every call, so a call adds nothing to a middleware stack (see `sendDescribePartners`).
   */
  const redshiftCalls = new WeakMap<object, { limiter: AdaptiveRateLimiter; signal: AbortSignal }>()
  const pacedByCall: FinalizeRequestMiddleware<any, any> = (next, context) => async (args) => {
    const call = redshiftCalls.get(args.input as object)
    // Every Redshift call is registered before it is sent; one that is not would go unpaced.
    if (!call) throw new Error(`partner-drift: ${String(context.commandName)} was sent without its account and region's rate limiter`)
    return pacedAttempts(call.limiter, call.signal)(next, context)(args)
  }
  /** Every attempt of a Redshift command waits for its turn at the limiter of the account and region it is sent to. */
  const paced = <C extends { input: object }>(command: C, place: AwsPlace, signal: AbortSignal): C => {
    redshiftCalls.set(command.input, { limiter: limiterFor(place), signal })
    return command
  }

  const pacedFor = <C extends { middlewareStack: MiddlewareStack<any, any> }>(command: C, place: AwsPlace, signal: AbortSignal, api: { name: string; requestsPerSecond?: number }): C => {
    const key = `${api.name}\u0000${place.accountId}\u0000${place.region}`
    let limiter = apiLimiters.get(key)
    if (!limiter) apiLimiters.set(key, (limiter = new AdaptiveRateLimiter(api.requestsPerSecond === undefined ? {} : { initialRate: api.requestsPerSecond })))
    command.middlewareStack.addRelativeTo(pacedAttempts(limiter, signal), { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'partnerDriftRateLimit' })
    return command
  }

  const clientFor = (target: AwsPlace): RedshiftClient => {
    const key = `${target.region}\u0000${target.assumeRole ?? ''}`
    let client = clients.get(key)
    if (!client) {
      client = new RedshiftClient({
        region: target.region,
        credentials: credentialsFor(target),
        ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
        ...clientSettings(),
        // DescribePartners answers are read by readDescribePartnersAnswer, not again by the SDK.
        protocol: CheckedAnswersQueryProtocol,
      })
      countCalls(client)
      addAnswerChecks(client)
      client.middlewareStack.addRelativeTo(pacedByCall, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'partnerDriftRateLimit' })
      clients.set(key, client)
    }
    return client
  }

  /**
   * DescribePartners through its client's handler, built once per client: `client.send` builds the
   * whole middleware stack again for every call (about 15 % of the CPU a call costs). It is built
   * as `send` builds it (`Command.resolveMiddleware`, as the SDK's own `cacheMiddleware` does),
   * with the session's signal, which the deadline aborts with every cluster's; each call's own
   * signal still stops its waits at the rate limiter.
   */
  const describePartnersHandlers = new WeakMap<RedshiftClient, (command: DescribePartnersCommand) => Promise<{ output: DescribePartnersCommandOutput }>>()
  const sendDescribePartners = (target: ClusterTarget, signal: AbortSignal): Promise<DescribePartnersCommandOutput> => {
    const client = clientFor(target)
    const command = paced(new DescribePartnersCommand({ AccountId: target.accountId, ClusterIdentifier: target.cluster }), target, signal)
    let handler = describePartnersHandlers.get(client)
    if (!handler) describePartnersHandlers.set(client, (handler = command.resolveMiddleware(client.middlewareStack, client.config, { abortSignal: context.signal }) as never))
    return handler(command).then((result) => result.output)
  }

  return {
    async observe(target, signal) {
      try {
        const output = await sendDescribePartners(target, signal)
        countRetries(output)
        // The output is readDescribePartnersAnswer's reading of the raw answer (addAnswerChecks);
        // this only guards the mapping itself, so that no item can ever become '' or a made-up status.
        const items = output.PartnerIntegrationInfoList
        const integrations = items?.map(toObserved)
        if (!integrations || integrations.some((i) => i === undefined)) {
          const problem = !integrations ? 'no PartnerIntegrationInfoList was read' : 'an item lacks DatabaseName, PartnerName or Status'
          return invalidResponse(`the DescribePartners answer is malformed: ${problem}`, output.$metadata.requestId)
        }
        return { kind: 'observed', observedAt: new Date().toISOString(), integrations: integrations as ObservedIntegration[] }
      } catch (error) {
        countRetries(error)
        return failureObservation(error, target, maxAttempts)
      }
    },
    stats: (): SourceStats => {
      const rates = [...limiters.values()].flatMap(({ accountId, region, limiter }) => {
        const rate = limiter.requestsPerSecond
        return rate === undefined ? [] : [{ accountId, region, requestsPerSecond: Math.round(rate * 10) / 10 }]
      })
      return { ...counts, ...(rates.length > 0 ? { rates } : {}) }
    },
    async close() {
      for (const { limiter } of limiters.values()) limiter.close()
      for (const limiter of apiLimiters.values()) limiter.close()
      for (const client of clients.values()) client.destroy()
    },
    calls: {
      maxAttempts,
      credentialsFor,
      async sendRedshift(place, command, signal) {
        try {
          const output = await clientFor(place).send(paced(command, place, signal), { abortSignal: signal })
          countRetries(output)
          return output
        } catch (error) {
          countRetries(error)
          throw error
        }
      },
      paced: pacedFor,
      clientSettings,
      countCalls,
      countRetries,
    },
  }
}

/**
 * Every attempt of one call (retries included: this runs inside the SDK's retry loop, before
 * signing) waits for its turn at the account and region's limiter, and tells it how the
 * attempt went: throttled, or answered (any HTTP answer the server did not throttle, errors
 * such as ClusterNotFound included). A network error or timeout says nothing about the rate.
 */
function pacedAttempts(limiter: AdaptiveRateLimiter, signal: AbortSignal): FinalizeRequestMiddleware<any, any> {
  return (next) => async (args) => {
    const sentAt = await limiter.acquire(signal)
    try {
      const result = await next(args)
      limiter.succeeded()
      return result
    } catch (error) {
      if (isThrottled(error)) limiter.throttled(sentAt)
      else if ((error as SdkError).$metadata?.httpStatusCode !== undefined) limiter.succeeded()
      throw error
    }
  }
}

/** Throttling as the SDK classifies it (Throttling, RequestLimitExceeded, ...), or HTTP 429. */
function isThrottled(error: unknown): boolean {
  return isThrottlingError(error as never) || (error as SdkError | undefined)?.$metadata?.httpStatusCode === 429
}

/**
 * One resolution shared by every client that uses the provider (each region has its own
 * client, and each client would otherwise assume the role, or walk the chain, for itself);
 * resolved again five minutes before the credentials expire.
 */
function sharedCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let cached: ReturnType<AwsCredentialIdentityProvider> | undefined
  return async () => {
    if (cached) {
      const current = await cached.catch(() => undefined)
      if (current && (!current.expiration || current.expiration.getTime() - Date.now() > 300_000)) return current
    }
    cached = provider()
    return cached
  }
}

/**
 * One item as the contract wants it, or undefined when a required member is missing or blank.
 * The status is an open string: an undocumented one (say `Pending`) is passed on as it came and
 * judged by the engine; duplicates are passed on too, each judged on its own.
 */
function toObserved(info: PartnerIntegrationInfo): ObservedIntegration | undefined {
  const { DatabaseName, PartnerName, Status } = info
  if (!DatabaseName?.trim() || !PartnerName?.trim() || !Status?.trim()) return undefined
  return observedIntegrationOf({ ...info, DatabaseName, PartnerName, Status })
}

/**
 * The SDK's exponential backoff with full jitter, every delay multiplied by `scale` (tests and
 * emulators shrink it instead of waiting). Throttled attempts back off from the same small
 * base as transient ones, not the SDK's 1 s: the account and region's rate limiter has
 * already slowed every call there, so a retry waits for its turn at the limiter instead of
 * sitting out a blind second while the allowed rate goes unused.
 */
function retryBackoff(scale: number): StandardRetryBackoffStrategy {
  return {
    setDelayBase: () => undefined,
    computeNextBackoffDelay: (attempt: number) => Math.floor(Math.random() * Math.min(BACKOFF_BASE_MS * 2 ** attempt, MAX_BACKOFF_MS) * scale),
  }
}

/** Errors thrown while assuming a role, with the role: a denial there is about STS, not about the call the credentials were for. */
const assumeRoleFailures = new WeakMap<object, string>()

/**
 * A role that could not be assumed, for DescribePartners and discovery alike. STS's denial reads
 * the same whether the caller may not call sts:AssumeRole or the role's trust policy does not
 * trust the caller, unless it names the identity-based policy; the hint says which, or both.
 */
function assumeRoleObservation(role: string, e: SdkError, base: { kind: 'error'; code: string; message: string; requestId?: string }, maxAttempts: number): ClusterObservation {
  const message = `could not assume the role ${role}: ${base.message}`
  const network = (e as { code?: string }).code
  if (base.code === 'Timeout' || base.code === 'TimeoutError' || e.name === 'TimeoutError' || (network && /^E[A-Z]+$/.test(network))) {
    return { ...base, code: network && /^E[A-Z]+$/.test(network) ? network : 'Timeout', message, hint: `could not reach AWS STS to assume the role ${role} after ${maxAttempts} attempts; check the network path and AWS_ENDPOINT_URL_STS` }
  }
  if (/ExpiredToken|RequestExpired|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient/.test(base.code)) {
    return { ...base, message, hint: `the credentials that assume ${role} were rejected or have expired; refresh them (e.g. aws sso login) and check the profile` }
  }
  return { ...base, message, hint: assumeRoleHint(role, base.message) }
}

/** What to allow when STS refused AssumeRole, from what its message says; never about the role's own permissions. */
export function assumeRoleHint(role: string, stsMessage: string): string {
  const caller = /User: (\S+) is not authorized/.exec(stsMessage)?.[1]
  const who = caller ? `the identity partner-drift runs as (${caller})` : 'the identity partner-drift runs as'
  const notThis = `the role's own Redshift permissions are not what failed`
  if (/identity-based policy/.test(stsMessage)) return `${who} may not call sts:AssumeRole on ${role}: allow the action sts:AssumeRole on that role in its IAM policies; ${notThis}`
  if (/resource-based policy|trust policy/.test(stsMessage)) return `the trust policy of ${role} does not trust ${who}: add it as a Principal allowed sts:AssumeRole; ${notThis}`
  return `allow sts:AssumeRole on ${role} to ${who}, and make the role's trust policy trust that identity (STS does not say which of the two is missing); ${notThis}`
}

type SdkError = Error & { code?: string; Code?: string; $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number }; $fault?: string }

/** Maps what the SDK threw to an observation that says what went wrong and what to do. */
export function failureObservation(error: unknown, target: ClusterTarget, maxAttempts: number): ClusterObservation {
  const e = error as SdkError
  const name = e?.name ?? 'Error'
  const code = (e.Code ?? name).replace(/Fault$/, '')
  const requestId = e.$metadata?.requestId
  const message = (e.message || name).split('\n')[0]
  const base = { kind: 'error' as const, code, message, ...(requestId ? { requestId } : {}) }
  const arn = `arn:aws:redshift:${target.region}:${target.accountId}:cluster:${target.cluster}`

  const role = typeof error === 'object' && error !== null ? assumeRoleFailures.get(error) : undefined
  if (role !== undefined && name !== 'CredentialsProviderError') return assumeRoleObservation(role, e, base, maxAttempts)
  if (code === 'ClusterNotFound') return { kind: 'not-found', observedAt: new Date().toISOString(), message }
  if (code === 'UnauthorizedPartnerIntegration') {
    return { ...base, hint: 'the partner integration is not authorized for this account; check the account id and the partner authorization in the Redshift console' }
  }
  if (code === 'UnsupportedOperation') return { ...base, hint: 'DescribePartners is not supported for this cluster (check its type and region)' }
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/.test(code)) {
    return { ...base, hint: `allow the IAM action redshift:DescribePartners on ${arn}${target.assumeRole ? ` for role ${target.assumeRole}` : ''}` }
  }
  if (/ExpiredToken|RequestExpired|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient/.test(code)) {
    return { ...base, hint: 'the credentials were rejected or have expired; refresh them (e.g. aws sso login) and check the profile' }
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
    return { ...base, code: 'NoCredentials', hint: 'configure AWS credentials: environment variables, --profile or AWS_PROFILE, SSO (aws sso login), or a container/instance role' }
  }
  if (isThrottled(e)) {
    return { ...base, hint: `still throttled after ${maxAttempts} attempts; lower --concurrency or raise --max-attempts` }
  }
  if (name === 'AbortError' || name === 'TimeoutError' || /timed? ?out|ETIMEDOUT/i.test(message) || code === 'RequestTimeout') {
    return { ...base, code: 'Timeout', hint: 'the endpoint did not answer in time; check the network path and --endpoint-url, or raise --timeout' }
  }
  const network = (e as { code?: string }).code
  if (network && /^E[A-Z]+$/.test(network)) {
    return { ...base, code: network, hint: `could not reach the Redshift endpoint for ${target.region} after ${maxAttempts} attempts; check the network and --endpoint-url` }
  }
  if (code === 'InvalidResponse') return { ...base, hint: INVALID_RESPONSE_HINT }
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500 || e.$fault === 'server') {
    return { ...base, hint: `the service kept failing after ${maxAttempts} attempts; try again later` }
  }
  return base
}

// ------------------------------------------------------------------ answers that are not DescribePartners answers

const INVALID_RESPONSE_HINT =
  'something other than the Redshift API answered (a proxy, a captive portal, a non-Redshift or misbehaving endpoint); check --endpoint-url, proxy settings and the network path'

/** What the source reports for an answer it refuses: an error, never "observed, nothing integrated". */
function invalidResponse(message: string, requestId: string | undefined): ClusterObservation {
  return { kind: 'error', code: 'InvalidResponse', message, ...(requestId ? { requestId } : {}), hint: INVALID_RESPONSE_HINT }
}

/**
 * The raw answer of every DescribePartners attempt is read by readDescribePartnersAnswer, which
 * refuses what is not a well-formed answer; its reading is the call's output (the SDK's lenient
 * reader never sees it). Other commands sent through the same client (discovery's
 * DescribeClusters) check their own answers.
 */
function addAnswerChecks(client: RedshiftClient): void {
  addRawAnswerChecks<PartnerIntegrationInfo[]>(client.middlewareStack, 'partnerDriftPartners', {
    operationOf: (commandName) => (commandName === 'DescribePartnersCommand' ? 'DescribePartners' : undefined),
    check: (bytes) => {
      const read = readDescribePartnersAnswer(bytes)
      return read.ok ? { ok: true, held: read.integrations } : read
    },
    output: (integrations) => ({ PartnerIntegrationInfoList: integrations }),
  })
}
