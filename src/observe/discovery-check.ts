/**
 * The boundary for discovery answers, as observation-check.ts is for observations: what a source
 * says it found is outside data. It is read once, member by member, into fresh objects; anything
 * malformed (a cluster identifier the API cannot have, a tag that is not two strings, an error
 * without a code) makes the whole answer an error, never a shorter list.
 */
import type { AccountListing, ClusterTag, FoundCluster, LookupError, OrganizationAccount, ScopeDiscovery } from '../model/discovery.js'
import { isTimestamp } from '../timestamp.js'

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] }

/** More than any account holds in a region (the quota is far lower): a bound on what a broken source can cost. */
export const MAX_DISCOVERED_CLUSTERS = 100_000
/** Redshift allows 50 tags per resource. */
export const MAX_TAGS = 50
/** Organizations allow at most a few thousand accounts; a bound, not a quota. */
export const MAX_ACCOUNTS = 100_000

const CLUSTER_ID = /^[a-zA-Z0-9-]{1,63}$/
const ACCOUNT_ID = /^[0-9]{12}$/

type Raw = Record<string, unknown>
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)
const isText = (v: unknown): v is string => typeof v === 'string'

export function checkScopeDiscovery(value: unknown): Checked<ScopeDiscovery> {
  return guarded<ScopeDiscovery>(() => {
    if (!isRecord(value)) return fail('the answer is not an object')
    if (value.kind === 'error') return lookupError(value)
    if (value.kind !== 'discovered') return fail(`kind must be "discovered" or "error", not ${describe(value.kind)}`)
    const { discoveredAt, clusters } = value
    if (!isText(discoveredAt) || !isTimestamp(discoveredAt)) return fail('discoveredAt must be an RFC 3339 timestamp')
    if (!Array.isArray(clusters)) return fail('clusters must be a list')
    if (clusters.length > MAX_DISCOVERED_CLUSTERS) return fail(`more than ${MAX_DISCOVERED_CLUSTERS} clusters`)
    const found: FoundCluster[] = []
    for (const [i, c] of clusters.entries()) {
      if (!isRecord(c) || !isText(c.cluster) || !CLUSTER_ID.test(c.cluster)) return fail(`clusters[${i}].cluster must be a cluster identifier (letters, digits and hyphens, at most 63)`)
      if (c.status !== undefined && !isText(c.status)) return fail(`clusters[${i}].status must be text`)
      if (!Array.isArray(c.tags) || c.tags.length > MAX_TAGS) return fail(`clusters[${i}].tags must be a list of at most ${MAX_TAGS} tags`)
      const tags: ClusterTag[] = []
      for (const [j, t] of c.tags.entries()) {
        if (!isRecord(t) || !isText(t.key) || !isText(t.value)) return fail(`clusters[${i}].tags[${j}] must be { key, value } text`)
        tags.push({ key: t.key, value: t.value })
      }
      found.push({ cluster: c.cluster, ...(c.status !== undefined ? { status: c.status } : {}), tags })
    }
    return { ok: true, value: { kind: 'discovered', discoveredAt, clusters: found } }
  })
}

export function checkAccountListing(value: unknown): Checked<AccountListing> {
  return guarded<AccountListing>(() => {
    if (!isRecord(value)) return fail('the answer is not an object')
    if (value.kind === 'error') return lookupError(value)
    if (value.kind !== 'listed') return fail(`kind must be "listed" or "error", not ${describe(value.kind)}`)
    const { listedAt, accounts } = value
    if (!isText(listedAt) || !isTimestamp(listedAt)) return fail('listedAt must be an RFC 3339 timestamp')
    if (!Array.isArray(accounts) || accounts.length > MAX_ACCOUNTS) return fail(`accounts must be a list of at most ${MAX_ACCOUNTS}`)
    const listed: OrganizationAccount[] = []
    for (const [i, a] of accounts.entries()) {
      if (!isRecord(a) || !isText(a.accountId) || !ACCOUNT_ID.test(a.accountId)) return fail(`accounts[${i}].accountId must be 12 digits`)
      if (!isText(a.status) || (a.name !== undefined && !isText(a.name))) return fail(`accounts[${i}] must have a text status (and name)`)
      listed.push({ accountId: a.accountId, status: a.status, ...(a.name !== undefined ? { name: a.name } : {}) })
    }
    return { ok: true, value: { kind: 'listed', listedAt, accounts: listed } }
  })
}

/** An `error` answer of any lookup (discovery, attribution): a code and a message, the rest optional text. */
export function checkLookupError(value: Raw): Checked<LookupError> {
  return lookupError(value)
}

function lookupError(value: Raw): Checked<LookupError> {
  const { code, message, requestId, hint, source } = value
  if (!isText(code) || code.length === 0 || !isText(message)) return fail('an error needs a code and a message')
  for (const [name, member] of Object.entries({ requestId, hint, source })) if (member !== undefined && !isText(member)) return fail(`${name} must be text`)
  return {
    ok: true,
    value: {
      kind: 'error',
      code,
      message,
      ...(isText(requestId) ? { requestId } : {}),
      ...(isText(hint) ? { hint } : {}),
      ...(isText(source) ? { source } : {}),
    },
  }
}

/** A getter or proxy that throws while being read is as malformed as a wrong type. */
function guarded<T>(read: () => Checked<T>): Checked<T> {
  try {
    return read()
  } catch {
    return fail('the answer cannot be read')
  }
}

function fail(problem: string): { ok: false; problems: string[] } {
  return { ok: false, problems: [problem] }
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v
}
