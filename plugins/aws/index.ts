import { defineSource, SOURCE_CONTRACT_VERSION } from 'partner-drift'

import type { AwsSourceOptions } from './options.js'

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
  description: 'Live Amazon Redshift DescribePartners calls through the AWS SDK (standard credential chain)',
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
    const { openDescribePartnersSession } = await import('./describe-partners.js')
    return openDescribePartnersSession(options, context)
  },
})
