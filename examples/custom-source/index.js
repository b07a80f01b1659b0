/**
 * partner-drift source "http": the observed state of each cluster comes from an HTTP endpoint.
 *
 *   GET <url>/<accountId>/<region>/<cluster>
 *   200 -> { "PartnerIntegrationInfoList": [ { "DatabaseName", "PartnerName", "Status",
 *            "StatusMessage"?, "CreatedAt"?, "UpdatedAt"? } ] }   (what DescribePartners returns)
 *   404 -> the cluster does not exist
 *   anything else -> the cluster could not be observed (never "in sync")
 *
 * Plain JavaScript with no build step and no runtime import: partner-drift loads this module
 * and hands it everything it needs. The types come from partner-drift's public entry.
 */

/** @typedef {{ url: string, tokenEnv?: string }} HttpSourceOptions */

/** @type {import('partner-drift').SourceDefinition<HttpSourceOptions>} */
const source = {
  name: 'http',
  version: '1.0.0',
  // The contract this source was written against, as a literal: partner-drift refuses a
  // source whose major differs from its own, or whose minor is newer than it implements.
  contractVersion: '1.0',
  description: 'Partner integrations served as JSON by an HTTP endpoint, one GET per cluster',
  options: {
    shorthand: 'url',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://', description: 'base URL; the source GETs <url>/<accountId>/<region>/<cluster>' },
        tokenEnv: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description: 'environment variable holding a bearer token (secrets stay out of the command line)',
        },
      },
    },
  },

  open(options, context) {
    const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`)
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' }
    if (options.tokenEnv) {
      const token = context.env[options.tokenEnv]
      if (!token) throw new Error(`environment variable ${options.tokenEnv} is not set`)
      headers.authorization = `Bearer ${token}`
    }

    return {
      async observe(target, signal) {
        const url = new URL([target.accountId, target.region, target.cluster].map(encodeURIComponent).join('/'), base)
        let response
        try {
          response = await fetch(url, { headers, signal })
        } catch (error) {
          // The deadline is partner-drift's to report.
          if (signal.aborted) throw error
          const cause = /** @type {{ code?: string, message?: string }} */ (error.cause ?? {})
          return {
            kind: 'error',
            code: cause.code ?? 'FetchFailed',
            message: `GET ${url}: ${cause.message ?? error.message}`,
            hint: 'check that the endpoint is running and the URL is right',
          }
        }
        const observedAt = new Date().toISOString()
        const requestId = response.headers.get('x-request-id') ?? undefined
        if (response.status === 404) {
          return { kind: 'not-found', observedAt, message: `GET ${url} answered 404: no cluster ${target.cluster} in account ${target.accountId}, ${target.region}` }
        }
        if (!response.ok) {
          return {
            kind: 'error',
            code: `HTTP${response.status}`,
            message: `GET ${url} answered ${response.status} ${response.statusText}`,
            requestId,
            hint: response.status === 401 || response.status === 403 ? 'check the token (option tokenEnv)' : undefined,
          }
        }
        const list = await response.json().then(
          (body) => body?.PartnerIntegrationInfoList,
          () => undefined,
        )
        if (!Array.isArray(list) || !list.every(isIntegration)) {
          return { kind: 'error', code: 'InvalidResponse', message: `GET ${url} did not answer { "PartnerIntegrationInfoList": [...] }`, requestId }
        }
        // partner-drift exports this mapping as observedIntegrationOf; a source installed with
        // `partner-drift plugins install` cannot import partner-drift at run time, so this one
        // keeps its own copy. A source that lists partner-drift as a dependency imports it instead.
        return {
          kind: 'observed',
          observedAt,
          integrations: list.map((i) => ({
            database: i.DatabaseName,
            partner: i.PartnerName,
            status: i.Status,
            ...(typeof i.StatusMessage === 'string' ? { statusMessage: i.StatusMessage } : {}),
            ...(typeof i.CreatedAt === 'string' ? { createdAt: i.CreatedAt } : {}),
            ...(typeof i.UpdatedAt === 'string' ? { updatedAt: i.UpdatedAt } : {}),
          })),
        }
      },
    }
  },
}

/** @param {any} i */
function isIntegration(i) {
  return typeof i?.DatabaseName === 'string' && typeof i.PartnerName === 'string' && typeof i.Status === 'string'
}

export default source
