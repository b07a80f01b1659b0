import { DescribePartnersCommand, type PartnerIntegrationInfo, RedshiftClient } from '@aws-sdk/client-redshift'
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers'
import { AdaptiveRetryStrategy, DefaultRateLimiter, isThrottlingError } from '@smithy/core/retry'
import type { AwsCredentialIdentityProvider, StandardRetryBackoffStrategy } from '@smithy/types'
import type { ClusterObservation, ClusterTarget, ObservedIntegration, SourceContext, SourceSession, SourceStats } from 'partner-drift'

import type { AwsSourceOptions } from './index.js'

const DEFAULT_MAX_ATTEMPTS = 5
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** The SDK's cap on one backoff (see the API reference); scaled with the rest in tests. */
const MAX_BACKOFF_MS = 20_000

/**
 * Observes clusters with exactly one unfiltered DescribePartners call each: its answer holds
 * every database and partner of the cluster, so missing, extra and unhealthy come from one
 * request. Clients are reused per (region, role); assumed-role credentials per role.
 */
export function openDescribePartnersSession(options: AwsSourceOptions, context: SourceContext): SourceSession {
  const stats: Required<SourceStats> = { apiCalls: 0, retries: 0, throttled: 0 }
  const env = context.env
  const maxAttempts = options.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || DEFAULT_MAX_ATTEMPTS)
  const baseCredentials = sharedCredentials(fromNodeProviderChain(options.profile ? { profile: options.profile } : {}))
  const roleCredentials = new Map<string, AwsCredentialIdentityProvider>()
  const clients = new Map<string, RedshiftClient>()
  // Enough sockets that the orchestrator's concurrency is never queued behind the agent.
  const agent = { keepAlive: true, maxSockets: Math.max(50, context.concurrency ?? 0) }

  const credentialsFor = (target: ClusterTarget): AwsCredentialIdentityProvider => {
    if (!target.assumeRole) return baseCredentials
    let provider = roleCredentials.get(target.assumeRole)
    if (!provider) {
      provider = sharedCredentials(
        fromTemporaryCredentials({
          params: { RoleArn: target.assumeRole, RoleSessionName: 'partner-drift', DurationSeconds: 900 },
          masterCredentials: baseCredentials,
          clientConfig: { region: target.region },
        }),
      )
      roleCredentials.set(target.assumeRole, provider)
    }
    return provider
  }

  const clientFor = (target: ClusterTarget): RedshiftClient => {
    const key = `${target.region}\u0000${target.assumeRole ?? ''}`
    let client = clients.get(key)
    if (!client) {
      client = new RedshiftClient({
        region: target.region,
        credentials: credentialsFor(target),
        ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
        retryStrategy: retryStrategy(maxAttempts, options.retryDelayScale ?? 1),
        // Without throwOnRequestTimeout the SDK only logs a warning when the timeout passes and keeps waiting.
        requestHandler: { requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true, httpAgent: agent, httpsAgent: agent },
      })
      // Runs once per attempt (the deserialize step sits inside the retry loop), so it sees every request sent.
      client.middlewareStack.add(
        (next) => async (args) => {
          stats.apiCalls++
          try {
            return await next(args)
          } catch (error) {
            if (isThrottlingError(error as never) || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429) stats.throttled++
            throw error
          }
        },
        { step: 'deserialize', name: 'partnerDriftCallCounter', priority: 'high' },
      )
      clients.set(key, client)
    }
    return client
  }

  return {
    async observe(target, signal) {
      try {
        const output = await clientFor(target).send(
          new DescribePartnersCommand({ AccountId: target.accountId, ClusterIdentifier: target.cluster }),
          { abortSignal: signal },
        )
        stats.retries += Math.max(0, (output.$metadata.attempts ?? 1) - 1)
        return { kind: 'observed', observedAt: new Date().toISOString(), integrations: (output.PartnerIntegrationInfoList ?? []).map(toObserved) }
      } catch (error) {
        stats.retries += Math.max(0, ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) - 1)
        return describeFailure(error, target, maxAttempts)
      }
    },
    stats: () => ({ ...stats }),
    async close() {
      for (const client of clients.values()) client.destroy()
    },
  }
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

function toObserved(info: PartnerIntegrationInfo): ObservedIntegration {
  return {
    database: info.DatabaseName ?? '',
    partner: info.PartnerName ?? '',
    status: info.Status ?? 'Unknown',
    ...(info.StatusMessage !== undefined ? { statusMessage: info.StatusMessage } : {}),
    ...(info.CreatedAt ? { createdAt: info.CreatedAt.toISOString() } : {}),
    ...(info.UpdatedAt ? { updatedAt: info.UpdatedAt.toISOString() } : {}),
  }
}

/**
 * The SDK's adaptive mode: backoff and a client-side rate limiter that slows down after
 * throttling. Tests and emulators shrink both with `scale` instead of waiting seconds.
 */
function retryStrategy(maxAttempts: number, scale: number): AdaptiveRetryStrategy {
  if (scale >= 1) return new AdaptiveRetryStrategy(maxAttempts)
  const rateLimiter = new DefaultRateLimiter({ minFillRate: 0.5 / Math.max(scale, 0.001) })
  return new AdaptiveRetryStrategy(maxAttempts, { backoff: scaledBackoff(scale), rateLimiter })
}

/** The SDK's exponential backoff with full jitter, every delay multiplied by `scale`. */
function scaledBackoff(scale: number): StandardRetryBackoffStrategy {
  let base = 50
  return {
    setDelayBase: (delay: number) => {
      base = delay
    },
    computeNextBackoffDelay: (attempt: number) => Math.floor(Math.random() * Math.min(base * 2 ** attempt, MAX_BACKOFF_MS) * scale),
  }
}

type SdkError = Error & { code?: string; Code?: string; $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number }; $fault?: string }

/** Maps what the SDK threw to an observation that says what went wrong and what to do. */
export function describeFailure(error: unknown, target: ClusterTarget, maxAttempts: number): ClusterObservation {
  const e = error as SdkError
  const name = e?.name ?? 'Error'
  const code = (e.Code ?? name).replace(/Fault$/, '')
  const requestId = e.$metadata?.requestId
  const message = (e.message || name).split('\n')[0]
  const base = { kind: 'error' as const, code, message, ...(requestId ? { requestId } : {}) }
  const arn = `arn:aws:redshift:${target.region}:${target.accountId}:cluster:${target.cluster}`

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
  if (isThrottlingError(e as never) || e.$metadata?.httpStatusCode === 429) {
    return { ...base, hint: `still throttled after ${maxAttempts} attempts; lower --concurrency or raise --max-attempts` }
  }
  if (name === 'AbortError' || name === 'TimeoutError' || /timed? ?out|ETIMEDOUT/i.test(message) || code === 'RequestTimeout') {
    return { ...base, code: 'Timeout', hint: 'the endpoint did not answer in time; check the network path and --endpoint-url, or raise --timeout' }
  }
  const network = (e as { code?: string }).code
  if (network && /^E[A-Z]+$/.test(network)) {
    return { ...base, code: network, hint: `could not reach the Redshift endpoint for ${target.region} after ${maxAttempts} attempts; check the network and --endpoint-url` }
  }
  if (/Deserialization|XML|Unexpected|parse/i.test(message) && e.$metadata?.httpStatusCode === 200) {
    return { ...base, code: 'InvalidResponse', hint: 'the endpoint answered something that is not a DescribePartners response' }
  }
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500 || e.$fault === 'server') {
    return { ...base, hint: `the service kept failing after ${maxAttempts} attempts; try again later` }
  }
  return base
}
