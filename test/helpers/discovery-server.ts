/**
 * The discovery half of the local test server (test/helpers/redshift-server.ts dispatches to it):
 *   - Redshift `DescribeClusters` (Query protocol, 2012-12-01): `MaxRecords` (20-100, default
 *     100) and an opaque `Marker`, `ClusterIdentifier` (ClusterNotFound, 404, when unknown),
 *     `TagKeys.TagKey.N` / `TagValues.TagValue.N` filters; items `<Cluster>`, tags `<Tag>`,
 *     `<Clusters/>` when there are none, no `<Marker>` on the last page;
 *   - AWS Organizations (JSON 1.1 protocol, `X-Amz-Target: AWSOrganizationsV20161128.<Op>`):
 *     `ListAccounts`, `ListAccountsForParent`, `ListOrganizationalUnitsForParent` with
 *     `MaxResults` (1-20) and an opaque `NextToken`; errors as `{"__type", "message"}` with the
 *     model's HTTP status; answered only to the management account or a delegated administrator;
 *   - STS `GetCallerIdentity`, and a denial of STS `AssumeRole` for a given role (the server
 *     answers AssumeRole itself).
 * Wire formats: /work/shared/reference/aws-discovery-and-ci-facts.md and the SDK's service models.
 *
 * There is no AccountId in DescribeClusters or the Organizations calls: as in AWS, the account
 * is the one of the credentials that signed the request. Assumed credentials from this server are
 * `ASIA<account>`; long-term keys are mapped with setCallerAccount; any other key is answered
 * `InvalidClientTokenId`, as AWS answers a key it does not know.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** The Answer of redshift-server.ts that these handlers give (same shape, kind `xml` for any body). */
export interface DiscoveryAnswer {
  kind: 'xml'
  status: number
  body: (requestId: string) => string
  code?: string
  contentType?: string
}

/** What the handlers need to know about a request, as redshift-server.ts recorded it. */
export interface DiscoveryCall {
  params: Record<string, string>
  region: string | undefined
  accessKeyId: string | undefined
  /** Set by the handler: the account of the signing credentials, when known. */
  accountId?: string
  action: string
}

export interface TestTag {
  key: string
  value: string
}

export interface TestCluster {
  cluster: string
  /** ClusterStatus; default `available`. */
  status?: string
  tags?: TestTag[]
}

export type TestAccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE'

export interface TestOrganization {
  /** `o-` and 10 to 32 lower-case letters or digits; default `o-exampleorg1`. */
  id?: string
  managementAccountId: string
  delegatedAdministrators?: string[]
  /** `r-` and 4 to 32 lower-case letters or digits. */
  rootId: string
  /** Parents first or not: a parent is the root or another OU's id. */
  ous: Array<{ id: string; name: string; parentId: string }>
  accounts: Array<{ id: string; name: string; status: TestAccountStatus; parentId: string; email?: string }>
}

export interface TestError {
  code: string
  message?: string
  status?: number
}

export interface DiscoveryServerState {
  /** The clusters of one account in one region, in the order DescribeClusters lists them (replaces what was there). */
  setClusters(accountId: string, region: string, clusters: TestCluster[]): void
  /** DescribeClusters in (account, region) answers this error; default AccessDenied (403). */
  denyDescribeClusters(accountId: string, region: string, error?: TestError): void
  /**
   * After `after` more DescribeClusters in (account, region) are served (default 0), the next
   * `count` answer Throttling (HTTP 400, Sender, "Rate exceeded"), as Redshift throttles.
   */
  throttleDescribeClusters(accountId: string, region: string, count: number, after?: number): void
  /** DescribeClusters in (account, region) answers HTTP 200 with exactly this body, every page. */
  setDescribeClustersBody(accountId: string, region: string, body: string): void
  /** AssumeRole of this role answers AccessDenied (403), as for a role whose trust policy does not trust the caller; `message` replaces STS's plain one. */
  denyAssumeRole(roleArn: string, message?: string): void
  /** The account a long-term access key belongs to. */
  setCallerAccount(accessKeyId: string, accountId: string): void
  setOrganization(organization: TestOrganization | undefined): void
  /** Every Organizations call answers this error; default AccessDeniedException (403). */
  denyOrganizations(error?: TestError): void
  /** This Organizations operation answers HTTP 200 with exactly this body. */
  setOrganizationsBody(operation: string, body: string): void
  reset(): void
}

const XMLNS = 'http://redshift.amazonaws.com/doc/2012-12-01/'
const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/'
const API_VERSION = '2012-12-01'
const TARGET_PREFIX = 'AWSOrganizationsV20161128.'
const JSON_TYPE = 'application/x-amz-json-1.1'
const ORGANIZATIONS_OPERATIONS = ['ListAccounts', 'ListAccountsForParent', 'ListOrganizationalUnitsForParent'] as const
const PARENT_ID = /^(r-[0-9a-z]{4,32})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/
/** A fixed creation time, so answers are reproducible. */
const CREATED = '2024-03-01T12:00:00.000Z'

/** HTTP status of each Organizations error, from the service model's httpError traits. */
const ORGANIZATIONS_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  AWSOrganizationsNotInUseException: 404,
  ParentNotFoundException: 404,
  InvalidInputException: 400,
  TooManyRequestsException: 429,
  ServiceException: 500,
  UnknownOperationException: 400,
  SerializationException: 400,
  UnrecognizedClientException: 400,
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : '&#13;'))
}

const pad = (depth: number) => '  '.repeat(depth)
const leaf = (depth: number, name: string, value: string) => `${pad(depth)}<${name}>${xmlEscape(value)}</${name}>\n`

function xmlError(code: string, message: string, status: number, xmlns = XMLNS): DiscoveryAnswer {
  const type = status >= 500 ? 'Receiver' : 'Sender'
  return {
    kind: 'xml',
    status,
    code,
    body: (id) =>
      `<ErrorResponse xmlns="${xmlns}">\n${pad(1)}<Error>\n${leaf(2, 'Type', type)}${leaf(2, 'Code', code)}${leaf(2, 'Message', message)}${pad(1)}</Error>\n` +
      `${leaf(1, 'RequestId', id)}</ErrorResponse>\n`,
  }
}

/**
 * The members of a JSON 1.1 request body (an empty body is `{}`), or undefined when it is not a
 * JSON object (AWS answers SerializationException). The server read the body as a form first; for
 * JSON calls the recorded params become the JSON members, non-strings as JSON text.
 */
export function jsonInputOf(call: DiscoveryCall, body: string): Record<string, unknown> | undefined {
  let input: Record<string, unknown>
  try {
    const parsed = JSON.parse(body === '' ? '{}' : body) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
    input = parsed as Record<string, unknown>
  } catch {
    return undefined
  }
  for (const name of Object.keys(call.params)) delete call.params[name]
  for (const [name, value] of Object.entries(input)) if (value !== null && value !== undefined) call.params[name] = typeof value === 'string' ? value : JSON.stringify(value)
  return input
}

function jsonError(code: string, message: string, extra: Record<string, string> = {}, status = ORGANIZATIONS_STATUS[code] ?? 400): DiscoveryAnswer {
  return { kind: 'xml', status, code, contentType: JSON_TYPE, body: () => JSON.stringify({ __type: code, message, ...extra }) }
}

/** The exact bytes DescribeClusters answers with for one page, as a starting point for hand-made `body` answers. */
export function describeClustersXml(accountId: string, region: string, clusters: TestCluster[], marker?: string, requestId = '00000000-0000-4000-8000-000000000000'): string {
  const lines: string[] = []
  if (clusters.length === 0) lines.push(`${pad(3)}<Clusters/>\n`)
  else {
    lines.push(`${pad(3)}<Clusters>\n`)
    for (const c of clusters) lines.push(...clusterLines(accountId, region, c))
    lines.push(`${pad(3)}</Clusters>\n`)
  }
  if (marker !== undefined) lines.push(leaf(3, 'Marker', marker))
  return (
    `<DescribeClustersResponse xmlns="${XMLNS}">\n${pad(1)}<DescribeClustersResult>\n${lines.join('')}${pad(1)}</DescribeClustersResult>\n` +
    `${pad(1)}<ResponseMetadata>\n${leaf(2, 'RequestId', requestId)}${pad(1)}</ResponseMetadata>\n</DescribeClustersResponse>\n`
  )
}

/** A cluster as Redshift describes it: the members partner-drift reads among some of the many it does not. */
function clusterLines(accountId: string, region: string, c: TestCluster): string[] {
  const d = 5
  const out = [`${pad(4)}<Cluster>\n`]
  out.push(leaf(d, 'ClusterIdentifier', c.cluster))
  out.push(leaf(d, 'NodeType', 'ra3.xlplus'))
  out.push(leaf(d, 'ClusterStatus', c.status ?? 'available'))
  out.push(leaf(d, 'ClusterAvailabilityStatus', c.status === undefined || c.status === 'available' ? 'Available' : 'Unavailable'))
  out.push(leaf(d, 'MasterUsername', 'awsuser'))
  out.push(leaf(d, 'DBName', 'dev'))
  out.push(`${pad(d)}<Endpoint>\n${leaf(d + 1, 'Address', `${c.cluster}.abc123xyz789.${region}.redshift.amazonaws.com`)}${leaf(d + 1, 'Port', '5439')}${pad(d)}</Endpoint>\n`)
  out.push(leaf(d, 'ClusterCreateTime', CREATED))
  out.push(leaf(d, 'NumberOfNodes', '2'))
  out.push(leaf(d, 'PubliclyAccessible', 'false'))
  out.push(leaf(d, 'Encrypted', 'true'))
  const tags = c.tags ?? []
  if (tags.length === 0) out.push(`${pad(d)}<Tags/>\n`)
  else {
    out.push(`${pad(d)}<Tags>\n`)
    for (const t of tags) out.push(`${pad(d + 1)}<Tag>\n${leaf(d + 2, 'Key', t.key)}${leaf(d + 2, 'Value', t.value)}${pad(d + 1)}</Tag>\n`)
    out.push(`${pad(d)}</Tags>\n`)
  }
  out.push(leaf(d, 'ClusterNamespaceArn', `arn:aws:redshift:${region}:${accountId}:namespace:${namespaceOf(c.cluster)}`))
  out.push(`${pad(4)}</Cluster>\n`)
  return out
}

/** A stable UUID-shaped namespace id per cluster name. */
function namespaceOf(cluster: string): string {
  let h = 0x811c9dc5
  for (const ch of cluster) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0
  const hex = h.toString(16).padStart(8, '0')
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`
}

/** Numbered Query list members (`TagKeys.TagKey.1`, `TagKeys.TagKey.2`, ...), in order. */
function queryList(params: Record<string, string>, prefix: string): string[] {
  const out: string[] = []
  for (let n = 1; params[`${prefix}.${n}`] !== undefined; n++) out.push(params[`${prefix}.${n}`]!)
  return out
}

const scopeKey = (accountId: string, region: string) => `${accountId}\u0000${region}`
const token = (kind: string, offset: number) => Buffer.from(JSON.stringify([kind, offset])).toString('base64')

/** The offset an opaque token stands for, if this server handed it out for `kind`. */
function offsetOf(value: string, kind: string): number | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as unknown
    if (Array.isArray(decoded) && decoded[0] === kind && Number.isInteger(decoded[1]) && decoded[1] > 0) return decoded[1] as number
  } catch {
    // not one of ours
  }
  return undefined
}

export function createDiscoveryState(): DiscoveryServerState & {
  describeClusters(call: DiscoveryCall): DiscoveryAnswer
  organizations(call: DiscoveryCall, headers: IncomingHttpHeaders, body: string): DiscoveryAnswer
  sts(params: Record<string, string>, accessKeyId: string | undefined): DiscoveryAnswer | undefined
  /** The account of the signing credentials, when known (CloudTrail answers for it too). */
  accountOf(accessKeyId: string | undefined): string | undefined
} {
  const clusters = new Map<string, TestCluster[]>()
  const clusterDenials = new Map<string, TestError>()
  const clusterBodies = new Map<string, string>()
  const clusterThrottles = new Map<string, { after: number; count: number }>()
  /** Denied roles, each with the message of its denial (undefined: STS's plain one). */
  const deniedRoles = new Map<string, string | undefined>()
  const callerAccounts = new Map<string, string>()
  let organization: TestOrganization | undefined
  let organizationsDenial: TestError | undefined
  const organizationsBodies = new Map<string, string>()

  const accountOfKey = (accessKeyId: string | undefined): string | undefined => {
    if (accessKeyId === undefined) return undefined
    return /^ASIA(\d{12})$/.exec(accessKeyId)?.[1] ?? callerAccounts.get(accessKeyId)
  }

  function describeClusters(call: DiscoveryCall): DiscoveryAnswer {
    const p = call.params
    if (p.Version === undefined) return xmlError('MissingParameter', 'The request must contain the parameter Version', 400)
    if (p.Version !== API_VERSION) return xmlError('InvalidAction', `Could not find operation DescribeClusters for version ${p.Version}`, 400)
    const accountId = accountOfKey(call.accessKeyId)
    if (accountId === undefined) return xmlError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
    call.accountId = accountId
    const region = call.region ?? ''
    const key = scopeKey(accountId, region)
    const throttle = clusterThrottles.get(key)
    if (throttle && throttle.after > 0) throttle.after--
    else if (throttle && throttle.count > 0) {
      throttle.count--
      return xmlError('Throttling', 'Rate exceeded', 400)
    }
    const denial = clusterDenials.get(key)
    if (denial) {
      const message =
        denial.message ??
        `User: arn:aws:sts::${accountId}:assumed-role/partner-drift-read/partner-drift is not authorized to perform: redshift:DescribeClusters on resource: arn:aws:redshift:${region}:${accountId}:cluster:*`
      return xmlError(denial.code, message, denial.status ?? (denial.code === 'AccessDenied' ? 403 : 400))
    }
    const raw = clusterBodies.get(key)
    if (raw !== undefined) return { kind: 'xml', status: 200, code: 'RawBody', body: () => raw }

    let pageSize = 100
    if (p.MaxRecords !== undefined) {
      pageSize = Number(p.MaxRecords)
      if (!/^\d+$/.test(p.MaxRecords) || pageSize < 20 || pageSize > 100) return xmlError('InvalidParameterValue', 'MaxRecords must be between 20 and 100.', 400)
    }
    let offset = 0
    if (p.Marker !== undefined) {
      const at = offsetOf(p.Marker, `clusters:${accountId}:${region}`)
      if (at === undefined) return xmlError('InvalidParameterValue', 'Invalid marker.', 400)
      offset = at
    }
    let list = clusters.get(key) ?? []
    if (p.ClusterIdentifier !== undefined) {
      list = list.filter((c) => c.cluster === p.ClusterIdentifier)
      if (list.length === 0) return xmlError('ClusterNotFound', `Cluster ${p.ClusterIdentifier} not found.`, 404)
    }
    const keys = queryList(p, 'TagKeys.TagKey')
    const values = queryList(p, 'TagValues.TagValue')
    if (keys.length > 0 || values.length > 0) {
      // With both, a tag must match one of the keys and one of the values (AWS: "any combination").
      list = list.filter((c) => (c.tags ?? []).some((t) => (keys.length === 0 || keys.includes(t.key)) && (values.length === 0 || values.includes(t.value))))
    }
    const page = list.slice(offset, offset + pageSize)
    const next = offset + pageSize < list.length ? token(`clusters:${accountId}:${region}`, offset + pageSize) : undefined
    return { kind: 'xml', status: 200, body: (id) => describeClustersXml(accountId, region, page, next, id) }
  }

  /** GetCallerIdentity, and AssumeRole of a denied role; undefined for what redshift-server.ts answers itself. */
  function sts(params: Record<string, string>, accessKeyId: string | undefined): DiscoveryAnswer | undefined {
    if (params.Action === 'GetCallerIdentity' && params.Version === '2011-06-15') {
      const account = accountOfKey(accessKeyId)
      if (account === undefined) return xmlError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403, STS_XMLNS)
      const arn = accessKeyId!.startsWith('ASIA') ? `arn:aws:sts::${account}:assumed-role/partner-drift-read/partner-drift` : `arn:aws:iam::${account}:user/partner-drift`
      return {
        kind: 'xml',
        status: 200,
        body: (id) =>
          `<GetCallerIdentityResponse xmlns="${STS_XMLNS}">\n${pad(1)}<GetCallerIdentityResult>\n${leaf(2, 'Arn', arn)}${leaf(2, 'UserId', `AIDA${account}`)}${leaf(2, 'Account', account)}` +
          `${pad(1)}</GetCallerIdentityResult>\n${pad(1)}<ResponseMetadata>\n${leaf(2, 'RequestId', id)}${pad(1)}</ResponseMetadata>\n</GetCallerIdentityResponse>\n`,
      }
    }
    const role = params.RoleArn
    if (params.Action !== 'AssumeRole' || role === undefined || !deniedRoles.has(role)) return undefined
    const caller = accountOfKey(accessKeyId) ?? '000000000000'
    const plain = `User: arn:aws:iam::${caller}:user/partner-drift is not authorized to perform: sts:AssumeRole on resource: ${role}`
    return xmlError('AccessDenied', deniedRoles.get(role) ?? plain, 403, STS_XMLNS)
  }

  function organizations(call: DiscoveryCall, headers: IncomingHttpHeaders, body: string): DiscoveryAnswer {
    const target = String(headers['x-amz-target'] ?? '')
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : ''
    call.action = operation || target
    if (!(ORGANIZATIONS_OPERATIONS as readonly string[]).includes(operation)) return jsonError('UnknownOperationException', `Unknown operation ${target}`)
    const input = jsonInputOf(call, body)
    if (!input) return jsonError('SerializationException', 'Start of structure or map found where not expected.')
    const caller = accountOfKey(call.accessKeyId)
    if (caller === undefined) return jsonError('UnrecognizedClientException', 'The security token included in the request is invalid.')
    call.accountId = caller
    if (organizationsDenial) {
      const { code, message, status } = organizationsDenial
      return jsonError(code, message ?? "You don't have permissions to access this resource.", {}, status)
    }
    if (!organization) return jsonError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.')
    if (caller !== organization.managementAccountId && !(organization.delegatedAdministrators ?? []).includes(caller)) {
      return jsonError('AccessDeniedException', "You don't have permissions to access this resource.")
    }
    const raw = organizationsBodies.get(operation)
    if (raw !== undefined) return { kind: 'xml', status: 200, code: 'RawBody', contentType: JSON_TYPE, body: () => raw }

    let pageSize = 20
    if (input.MaxResults !== undefined && input.MaxResults !== null) {
      const n = input.MaxResults
      if (typeof n !== 'number' || !Number.isInteger(n)) return jsonError('SerializationException', 'NUMBER_VALUE can not be converted to an Integer')
      if (n < 1) return jsonError('InvalidInputException', 'You provided a value that is too small for MaxResults.', { Reason: 'MIN_VALUE_EXCEEDED' })
      if (n > 20) return jsonError('InvalidInputException', 'You provided a value that is too large for MaxResults.', { Reason: 'MAX_VALUE_EXCEEDED' })
      pageSize = n
    }
    const org = organization
    const orgId = org.id ?? 'o-exampleorg1'
    let parentId = ''
    if (operation !== 'ListAccounts') {
      const parent = input.ParentId
      if (typeof parent !== 'string') return jsonError('InvalidInputException', 'You must specify a value for ParentId.', { Reason: 'INPUT_REQUIRED' })
      if (!PARENT_ID.test(parent)) return jsonError('InvalidInputException', 'You specified an invalid value for ParentId.', { Reason: 'INVALID_PATTERN_TARGET_ID' })
      if (parent !== org.rootId && !org.ous.some((ou) => ou.id === parent)) return jsonError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.")
      parentId = parent
    }
    let offset = 0
    if (input.NextToken !== undefined && input.NextToken !== null) {
      const at = typeof input.NextToken === 'string' ? offsetOf(input.NextToken, `${operation}:${parentId}`) : undefined
      if (at === undefined) return jsonError('InvalidInputException', 'You specified an invalid value for nextToken.', { Reason: 'INVALID_NEXT_TOKEN' })
      offset = at
    }
    const page = <T>(all: T[]): { items: T[]; NextToken?: string } => {
      const items = all.slice(offset, offset + pageSize)
      return offset + pageSize < all.length ? { items, NextToken: token(`${operation}:${parentId}`, offset + pageSize) } : { items }
    }
    const account = (a: TestOrganization['accounts'][number]) => ({
      Id: a.id,
      Arn: `arn:aws:organizations::${org.managementAccountId}:account/${orgId}/${a.id}`,
      Email: a.email ?? `aws+${a.id}@example.com`,
      Name: a.name,
      Status: a.status,
      State: a.status,
      JoinedMethod: a.id === org.managementAccountId ? 'INVITED' : 'CREATED',
      JoinedTimestamp: Date.parse(CREATED) / 1000,
    })
    let answer: Record<string, unknown>
    if (operation === 'ListOrganizationalUnitsForParent') {
      const { items, NextToken } = page(org.ous.filter((ou) => ou.parentId === parentId))
      answer = { OrganizationalUnits: items.map((ou) => ({ Id: ou.id, Arn: `arn:aws:organizations::${org.managementAccountId}:ou/${orgId}/${ou.id}`, Name: ou.name })), ...(NextToken ? { NextToken } : {}) }
    } else {
      const { items, NextToken } = page(operation === 'ListAccounts' ? org.accounts : org.accounts.filter((a) => a.parentId === parentId))
      answer = { Accounts: items.map(account), ...(NextToken ? { NextToken } : {}) }
    }
    const text = JSON.stringify(answer)
    return { kind: 'xml', status: 200, contentType: JSON_TYPE, body: () => text }
  }

  return {
    describeClusters,
    organizations,
    sts,
    accountOf: accountOfKey,
    setClusters(accountId, region, list) {
      clusters.set(
        scopeKey(accountId, region),
        list.map((c) => ({ ...c, tags: (c.tags ?? []).map((t) => ({ ...t })) })),
      )
    },
    denyDescribeClusters(accountId, region, error = { code: 'AccessDenied' }) {
      clusterDenials.set(scopeKey(accountId, region), { ...error })
    },
    throttleDescribeClusters(accountId, region, count, after = 0) {
      clusterThrottles.set(scopeKey(accountId, region), { after, count })
    },
    setDescribeClustersBody(accountId, region, body) {
      clusterBodies.set(scopeKey(accountId, region), body)
    },
    denyAssumeRole(roleArn, message) {
      deniedRoles.set(roleArn, message)
    },
    setCallerAccount(accessKeyId, accountId) {
      callerAccounts.set(accessKeyId, accountId)
    },
    setOrganization(org) {
      organization = org && { ...org, ous: org.ous.map((o) => ({ ...o })), accounts: org.accounts.map((a) => ({ ...a })) }
    },
    denyOrganizations(error = { code: 'AccessDeniedException' }) {
      organizationsDenial = { ...error }
    },
    setOrganizationsBody(operation, body) {
      organizationsBodies.set(operation, body)
    },
    reset() {
      clusters.clear()
      clusterDenials.clear()
      clusterBodies.clear()
      clusterThrottles.clear()
      deniedRoles.clear()
      callerAccounts.clear()
      organization = undefined
      organizationsDenial = undefined
      organizationsBodies.clear()
    },
  }
}
