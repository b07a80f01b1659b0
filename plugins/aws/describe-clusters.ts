import type { Cluster, DescribeClustersCommandOutput } from '@aws-sdk/client-redshift'
import type { DiscoveryScope, FoundCluster, LookupError, ScopeDiscovery } from 'partner-drift'

import { findAttribute, only, parseXml, tag, type XmlElement } from './answer-check.js'
import { type AwsCalls, failureObservation } from './describe-partners.js'
import { addRawAnswerChecks, InvalidResponseError } from './raw-answers.js'
import { DescribeClustersCommand, requireCommonJs } from './sdk.js'

/** The most DescribeClusters returns per page (the API allows 20 to 100): the fewest requests. */
export const CLUSTERS_PAGE_SIZE = 100

/** ClusterIdentifier as the Redshift model constrains it; anything else is not a real cluster's name. */
const CLUSTER_IDENTIFIER = /^[a-zA-Z0-9-]{1,63}$/

/** Codes that mean "not allowed" (the same family failureObservation recognises for DescribePartners). */
const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized/

/**
 * Every cluster of one account in one region, with its status and tags: DescribeClusters with
 * MaxRecords 100, following Marker to the last page, one request per page. Each raw answer is
 * checked before the SDK reads it (checkDescribeClustersAnswer), because the SDK reads items
 * named `<member>`, a missing list or another root element as "no clusters", and a gate must
 * never conclude there is nothing unmanaged where it could not look.
 *
 * Never throws: a scope that could not be looked at (a role that cannot be assumed, access
 * denied, throttled to the end, a malformed answer...) resolves to a LookupError with a hint.
 * `calls` are the aws session's: the same credentials, clients, retries and stats as DescribePartners.
 */
export async function discoverScope(scope: DiscoveryScope, signal: AbortSignal, calls: AwsCalls): Promise<ScopeDiscovery> {
  const notThere = (await assumeRoleFailure(scope, calls)) ?? (await otherAccount(scope, calls, signal))
  if (notThere) return notThere
  const clusters: FoundCluster[] = []
  const seenClusters = new Set<string>()
  const seenMarkers = new Set<string>()
  let marker: string | undefined
  try {
    do {
      const command = new DescribeClustersCommand({ MaxRecords: CLUSTERS_PAGE_SIZE, ...(marker !== undefined ? { Marker: marker } : {}) })
      addAnswerChecks(command)
      const page = await calls.sendRedshift(scope, command, signal)
      if (!page.Clusters) throw new InvalidResponseError('the SDK read no Clusters list from the DescribeClusters answer', 200, page.$metadata.requestId)
      for (const found of page.Clusters) {
        const cluster = toFound(found)
        // The answers were checked (addAnswerChecks); this guards the mapping and the pages together.
        if (seenClusters.has(cluster.cluster)) throw new InvalidResponseError(`DescribeClusters named the cluster ${cluster.cluster} twice`, 200, page.$metadata.requestId)
        seenClusters.add(cluster.cluster)
        clusters.push(cluster)
      }
      // An empty <Marker/> ends the listing like a missing one.
      marker = page.Marker || undefined
      if (marker !== undefined) {
        // A marker handed out twice would page forever: the answers cannot be complete.
        if (seenMarkers.has(marker)) throw new InvalidResponseError('DescribeClusters returned a Marker it had already returned (the pages loop)', 200, page.$metadata.requestId)
        seenMarkers.add(marker)
      }
    } while (marker !== undefined)
  } catch (error) {
    return discoveryFailure(error, scope, calls.maxAttempts)
  }
  return { kind: 'discovered', discoveredAt: new Date().toISOString(), clusters }
}

function toFound(cluster: Cluster): FoundCluster {
  return {
    cluster: cluster.ClusterIdentifier!,
    ...(cluster.ClusterStatus ? { status: cluster.ClusterStatus } : {}),
    tags: (cluster.Tags ?? []).map((t) => ({ key: t.Key!, value: t.Value ?? '' })),
  }
}

/**
 * The role is assumed before the first DescribeClusters, so that a role that cannot be assumed
 * is told apart from DescribeClusters being denied: both come back as AccessDenied, and the fixes
 * are different (sts:AssumeRole and the role's trust policy, not the role's Redshift permissions).
 * The credentials are the session's shared ones: this costs no extra AssumeRole.
 */
async function assumeRoleFailure(scope: DiscoveryScope, calls: AwsCalls): Promise<LookupError | undefined> {
  if (!scope.assumeRole) return undefined
  if (accountOfRole(scope.assumeRole) !== scope.accountId) return undefined
  try {
    await calls.credentialsFor(scope)()
    return undefined
  } catch (error) {
    // failureObservation knows the error came from assuming the role: its hint is about STS and
    // the trust policy (or, with no credentials to assume it with, what to configure).
    return asLookupError(failureObservation(error, { ...scope, cluster: '*' }, calls.maxAttempts))
  }
}

const ROLE_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):role\//
const accountOfRole = (roleArn: string): string | undefined => ROLE_ACCOUNT.exec(roleArn)?.[1]

/** The account of the standard chain's credentials, asked once per session: a promise per session's calls. */
const callerAccounts = new WeakMap<AwsCalls, Promise<string>>()

/**
 * DescribeClusters takes no account: it lists the clusters of the account whose credentials sign
 * it. So a scope is only looked at with credentials of its own account: with a role, the role
 * must be in that account (checked on its ARN, before anything is sent); without one, the
 * standard chain's credentials must be (STS GetCallerIdentity, once per session). Otherwise the
 * clusters of the caller's account would be reported as the scope's, and the scope's own never
 * seen.
 */
async function otherAccount(scope: DiscoveryScope, calls: AwsCalls, signal: AbortSignal): Promise<LookupError | undefined> {
  const hint = `look at each account with its own role, e.g. arn:aws:iam::{accountId}:role/NAME, or run with credentials of account ${scope.accountId}`
  if (scope.assumeRole) {
    const account = accountOfRole(scope.assumeRole)
    if (account === scope.accountId) return undefined
    return { kind: 'error', code: 'AccountMismatch', message: `the role ${scope.assumeRole} is not in account ${scope.accountId}, so it cannot list that account's clusters`, hint }
  }
  let caller = callerAccounts.get(calls)
  if (!caller) {
    caller = callerAccountOf(calls, scope.region, signal)
    callerAccounts.set(calls, caller)
    // A failure is not remembered: the next scope asks again.
    caller.catch(() => callerAccounts.delete(calls))
  }
  let account: string
  try {
    account = await caller
  } catch (error) {
    return asLookupError(failureObservation(error, { ...scope, cluster: '*' }, calls.maxAttempts))
  }
  if (account === scope.accountId) return undefined
  return {
    kind: 'error',
    code: 'AccountMismatch',
    message: `the credentials partner-drift runs with are of account ${account}, not ${scope.accountId}: without a role, DescribeClusters lists the clusters of the credentials' own account`,
    hint,
  }
}

/** STS GetCallerIdentity with the standard chain's credentials; the SDK is loaded on the first scope without a role. */
async function callerAccountOf(calls: AwsCalls, region: string, signal: AbortSignal): Promise<string> {
  const { GetCallerIdentityCommand, STSClient } = requireCommonJs('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts')
  const client = new STSClient({ region, credentials: calls.credentialsFor({ accountId: '', region }), ...calls.clientSettings() })
  calls.countCalls(client)
  try {
    const output = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal })
    calls.countRetries(output)
    if (!output.Account || !/^\d{12}$/.test(output.Account)) {
      throw new InvalidResponseError('the GetCallerIdentity answer holds no 12-digit Account', output.$metadata.httpStatusCode ?? 200, output.$metadata.requestId)
    }
    return output.Account
  } catch (error) {
    calls.countRetries(error)
    throw error
  } finally {
    client.destroy()
  }
}

/** What the SDK threw, as a LookupError for the scope, with a hint that names what to allow or check. */
function discoveryFailure(error: unknown, scope: DiscoveryScope, maxAttempts: number): LookupError {
  const failure = asLookupError(failureObservation(error, { ...scope, cluster: '*' }, maxAttempts))
  if (ACCESS_DENIED.test(failure.code)) {
    // Resource "*": DescribeClusters lists; whether a cluster ARN pattern would do is not settled.
    const who = scope.assumeRole ? `to the role ${scope.assumeRole}` : `to the identity partner-drift runs as`
    return { ...failure, hint: `allow the IAM action redshift:DescribeClusters (Resource "*") ${who} in account ${scope.accountId}; it was denied in ${scope.region}` }
  }
  return failure
}

/** failureObservation speaks of clusters; without a ClusterIdentifier, even ClusterNotFound is an error of the scope. */
export function asLookupError(observation: ReturnType<typeof failureObservation>): LookupError {
  if (observation.kind === 'error') return observation
  const message = observation.kind === 'not-found' ? observation.message : undefined
  return { kind: 'error', code: 'ClusterNotFound', message: message ?? 'ClusterNotFound' }
}

// ------------------------------------------------------------------ the shape of a DescribeClusters answer

export type ClustersAnswerCheck = { ok: true; tagCounts: number[] } | { ok: false; problem: string }

/**
 * Decides whether `bytes` is a well-formed DescribeClusters answer; `tagCounts` has one entry per
 * `<Cluster>`: how many `<Tag>` it holds. Required: the `DescribeClustersResponse` root, exactly
 * one Result and one `<Clusters>` list (`<Clusters/>` when there are none), every item a
 * `<Cluster>` with exactly one ClusterIdentifier that is a real identifier, at most one
 * ClusterStatus, at most one `<Tags>` whose items are `<Tag>` with exactly one non-empty Key and
 * at most one Value, at most one Marker; no attributes anywhere. Members not named here are
 * tolerated (a real cluster has dozens).
 */
export function checkDescribeClustersAnswer(bytes: Uint8Array): ClustersAnswerCheck {
  if (bytes.byteLength === 0) return { ok: false, problem: 'the body is empty' }
  let root: XmlElement
  try {
    root = parseXml(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    return { ok: false, problem: error instanceof TypeError ? 'the body is not UTF-8 text' : `the body is not well-formed XML (${(error as Error).message})` }
  }
  if (root.name !== 'DescribeClustersResponse') return { ok: false, problem: `the root element is ${tag(root.name)}, not <DescribeClustersResponse>` }
  const attributed = findAttribute(root)
  if (attributed) return { ok: false, problem: `${tag(attributed.name)} has an attribute` }
  const result = only(root, 'DescribeClustersResult')
  if (typeof result === 'string') return { ok: false, problem: result }
  const markers = result.children.filter((c) => c.name === 'Marker')
  if (markers.length > 1) return { ok: false, problem: `<DescribeClustersResult> has ${markers.length} <Marker> elements` }
  if (markers[0] && markers[0].children.length > 0) return { ok: false, problem: '<Marker> holds elements, not text' }
  const list = only(result, 'Clusters')
  if (typeof list === 'string') return { ok: false, problem: list }
  if (list.text.trim() !== '') return { ok: false, problem: '<Clusters> holds text besides its items' }
  const tagCounts: number[] = []
  for (const [index, item] of list.children.entries()) {
    const which = `item ${index + 1} of <Clusters>`
    if (item.name !== 'Cluster') return { ok: false, problem: `${which} is ${tag(item.name)}, not <Cluster>` }
    const identifier = textMember(item, 'ClusterIdentifier', which, true)
    if (!identifier.ok) return identifier
    if (!CLUSTER_IDENTIFIER.test(identifier.text ?? '')) return { ok: false, problem: `${which} has a ClusterIdentifier that no Redshift cluster can have` }
    const status = textMember(item, 'ClusterStatus', which, false)
    if (!status.ok) return status
    const tagLists = item.children.filter((c) => c.name === 'Tags')
    if (tagLists.length > 1) return { ok: false, problem: `${which} has ${tagLists.length} <Tags> elements` }
    const tags = tagLists[0]?.children ?? []
    if (tagLists[0] && tagLists[0].text.trim() !== '') return { ok: false, problem: `${which}: <Tags> holds text besides its items` }
    for (const [t, tagItem] of tags.entries()) {
      const whichTag = `tag ${t + 1} of ${which}`
      if (tagItem.name !== 'Tag') return { ok: false, problem: `${whichTag} is ${tag(tagItem.name)}, not <Tag>` }
      const key = textMember(tagItem, 'Key', whichTag, true)
      if (!key.ok) return key
      const value = textMember(tagItem, 'Value', whichTag, false)
      if (!value.ok) return value
    }
    tagCounts.push(tags.length)
  }
  return { ok: true, tagCounts }
}

/** The text of the member `name` of `item`: at most once, text only; `required`: exactly once and not blank. */
function textMember(item: XmlElement, name: string, which: string, required: boolean): { ok: true; text?: string } | { ok: false; problem: string } {
  const found = item.children.filter((c) => c.name === name)
  if (found.length > 1) return { ok: false, problem: `${which} has ${found.length} <${name}> elements` }
  const member = found[0]
  if (!member) return required ? { ok: false, problem: `${which} has no <${name}>` } : { ok: true }
  if (member.children.length > 0) return { ok: false, problem: `${which}: <${name}> holds elements, not text` }
  if (required && member.text.trim() === '') return { ok: false, problem: `${which} has an empty <${name}>` }
  return { ok: true, text: member.text }
}

/**
 * The raw answer of every DescribeClusters attempt is checked before the SDK reads it (see
 * raw-answers.ts), and the SDK must then have read as many clusters, and as many tags of each,
 * as the body held.
 */
function addAnswerChecks(command: DescribeClustersCommand): void {
  addRawAnswerChecks<number[]>(command.middlewareStack, 'partnerDriftClusters', {
    operationOf: () => 'DescribeClusters',
    check: (bytes) => {
      const checked = checkDescribeClustersAnswer(bytes)
      return checked.ok ? { ok: true, held: checked.tagCounts } : checked
    },
    misread: (tagCounts, output) => {
      const read = (output as DescribeClustersCommandOutput | undefined)?.Clusters
      const readCounts = read?.map((c) => c.Tags?.length ?? 0)
      if (read && readCounts!.join() === tagCounts.join() && read.every((c) => c.ClusterIdentifier)) return undefined
      return `the DescribeClusters answer held ${tagCounts.length} clusters with ${tagCounts.join('/') || 'no'} tags, but the SDK read ${read ? `${read.length} with ${readCounts!.join('/') || 'no'}` : 'none'}`
    },
  })
}
