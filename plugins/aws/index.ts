import { type AccountListingRequest, type AttributionRequest, defineSource, type DiscoveryScope, SOURCE_CONTRACT_VERSION } from 'partner-drift'

import type { AwsSourceOptions } from './options.js'
// Types only: the module (and the Organizations SDK with it) is imported when an organization is listed.
import type { listOrganizationAccounts, OrganizationsAccess } from './organization-accounts.js'
// Types only: the CloudTrail SDK is imported on the first attribution (check --attribute).
import type { cloudTrailClients, lookUpPartnerChanges } from './partner-events.js'

export type { AwsSourceOptions } from './options.js'

/**
 * Live state: one unfiltered DescribePartners call per cluster through the AWS SDK. An HTTP
 * 2xx answer that is not a well-formed DescribePartners response (an empty body, a captive
 * portal's page, another root element, a list missing or doubled, an item without database,
 * partner or status) is an `InvalidResponse` error, never "nothing integrated"; see
 * answer-check.ts. This module stays light; the SDK is imported only when the source is
 * opened, so commands that do not use AWS never pay for loading it.
 */
export default defineSource<AwsSourceOptions>({
  name: 'aws',
  version: '1.0.0',
  contractVersion: SOURCE_CONTRACT_VERSION,
  description: 'Live Amazon Redshift DescribePartners calls through the AWS SDK (standard credential chain); CloudTrail LookupEvents for --attribute',
  options: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        profile: { type: 'string', minLength: 1, description: 'a named profile of the shared AWS config' },
        endpointUrl: { type: 'string', pattern: '^https?://[^\\s]+$', description: 'an http(s) URL of a Redshift-compatible endpoint, e.g. http://127.0.0.1:4566' },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 20, description: 'attempts per call, first try included (default 5)' },
        requestTimeoutMs: { type: 'integer', minimum: 100, description: 'per-request timeout in milliseconds (default: 25 s shared over the attempts, at most 10 s; 5 s at 5 attempts)' },
        retryDelayScale: { type: 'number', minimum: 0, maximum: 1, description: 'scales retry backoff; below 1 only for tests and emulators' },
      },
    },
  },
  async open(options, context) {
    // The SDK warns on every run under Node 20 about its releases after January 2027; the
    // version locked here supports Node 20, so the warning tells our users nothing they can act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const [{ openDescribePartnersSession }, { discoverScope }, { unknownProfileProblem }] = await Promise.all([import('./describe-partners.js'), import('./describe-clusters.js'), import('./profile-check.js')])
    // A profile that does not exist is the run's one problem, named with where it was looked for, not a NoCredentials per cluster.
    const profileProblem = await unknownProfileProblem(options.profile, context.env)
    if (profileProblem) {
      throw Object.assign(new Error(profileProblem), { code: 'unknown-profile', hint: 'use one of the profiles listed (aws configure list-profiles), or point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at the files that have it' })
    }
    const { calls, ...session } = openDescribePartnersSession(options, context)
    // The Organizations SDK is loaded on the first listing only: most runs never list an organization.
    let organizations: Promise<OrganizationsAccess & { list: typeof listOrganizationAccounts }> | undefined
    // Likewise the CloudTrail SDK, on the first attribution: only check --attribute asks for one.
    let cloudTrail: Promise<ReturnType<typeof cloudTrailClients> & { lookUp: typeof lookUpPartnerChanges }> | undefined
    const region = context.env.AWS_REGION || context.env.AWS_DEFAULT_REGION || 'us-east-1'
    return {
      ...session,
      discover: (scope: DiscoveryScope, signal: AbortSignal) => discoverScope(scope, signal, calls),
      async listAccounts(request: AccountListingRequest, signal: AbortSignal) {
        organizations ??= import('./organization-accounts.js').then((m) => ({ client: m.organizationsClient(calls, region), calls, list: m.listOrganizationAccounts }))
        const access = await organizations
        return access.list(request, signal, access)
      },
      async attribute(request: AttributionRequest, signal: AbortSignal) {
        cloudTrail ??= import('./partner-events.js').then((m) => ({ ...m.cloudTrailClients(calls), lookUp: m.lookUpPartnerChanges }))
        const trail = await cloudTrail
        return trail.lookUp(request, signal, calls, trail.clientFor(request))
      },
      async close() {
        await session.close?.()
        if (organizations) (await organizations).client.destroy()
        if (cloudTrail) (await cloudTrail).destroy()
      },
    }
  },
})
