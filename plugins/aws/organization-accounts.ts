import type { Account, OrganizationsClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-organizations'
import type * as Organizations from '@aws-sdk/client-organizations'
import type { Command } from '@smithy/types'
import type { AccountListing, AccountListingRequest, LookupError, OrganizationAccount } from 'partner-drift'

import { asLookupError } from './describe-clusters.js'
import { type AwsCalls, failureObservation } from './describe-partners.js'
import { everyPage } from './paging.js'
import { addRawAnswerChecks, checkJsonListAnswer, InvalidResponseError, isObject } from './raw-answers.js'
import { requireCommonJs } from './sdk.js'

// Required, not imported: see sdk.ts. This module is itself loaded on an organization's first listing.
const { ListAccountsCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand, OrganizationsClient } = requireCommonJs('@aws-sdk/client-organizations') as typeof Organizations
type OrganizationsClient = Organizations.OrganizationsClient

/** The most the three List operations return per page (the API allows 1 to 20): the fewest requests. */
export const ORGANIZATIONS_PAGE_SIZE = 20

/**
 * What listing accounts needs: the Organizations client (made by organizationsClient, once per
 * session) and the aws session's calls, for its retry count.
 */
export interface OrganizationsAccess {
  client: OrganizationsClient
  calls: AwsCalls
}

/**
 * An Organizations client signed with the standard chain's credentials (Organizations answers
 * only the management account or a delegated administrator, so no role is assumed), with the
 * session's retries, timeouts and sockets, its calls counted in the session's stats, and every
 * answer checked before the SDK reads it. The endpoint is the SDK's own choice, or
 * AWS_ENDPOINT_URL_ORGANIZATIONS: never anything a manifest says.
 */
export function organizationsClient(calls: AwsCalls, region: string): OrganizationsClient {
  const client = new OrganizationsClient({ region, credentials: calls.credentialsFor({ accountId: '', region }), ...calls.clientSettings() })
  calls.countCalls(client)
  addAnswerChecks(client)
  return client
}

/**
 * The accounts of the organization with their status (the caller keeps the ACTIVE ones and
 * applies `exclude`). Without `ous`: ListAccounts, every page. With `ous`: for each OU and,
 * recursively, each OU under it, ListAccountsForParent and ListOrganizationalUnitsForParent,
 * every page; an OU reached twice (listed, and under another listed one) is listed once, and an
 * account is reported once. One request per page, sent one after the other: concurrency belongs
 * to the orchestrator, which runs this as one task.
 *
 * Never throws: a listing that could not be completed (denied, Organizations not in use, an OU
 * that does not exist, a malformed answer) resolves to a LookupError: a partial list would let
 * the accounts it misses go unseen.
 */
export async function listOrganizationAccounts(request: AccountListingRequest, signal: AbortSignal, access: OrganizationsAccess): Promise<AccountListing> {
  const accounts = new Map<string, OrganizationAccount>()
  const keep = (page: Account[] | undefined) => {
    // The answers were checked (addAnswerChecks); this guards the mapping: no list is never "no accounts".
    if (!page) throw new InvalidResponseError('the SDK read no Accounts list from the answer', 200, undefined)
    for (const account of page) if (!accounts.has(account.Id!)) accounts.set(account.Id!, toOrganizationAccount(account))
  }
  let parent: string | undefined
  try {
    if (!request.ous) {
      await everyPage('Organizations', (NextToken) => send(access, new ListAccountsCommand({ MaxResults: ORGANIZATIONS_PAGE_SIZE, NextToken }), signal), (page) => keep(page.Accounts))
    } else {
      const pending = [...request.ous]
      const visited = new Set<string>()
      for (parent = pending.shift(); parent !== undefined; parent = pending.shift()) {
        if (visited.has(parent)) continue
        visited.add(parent)
        const ParentId = parent
        await everyPage('Organizations', (NextToken) => send(access, new ListAccountsForParentCommand({ ParentId, MaxResults: ORGANIZATIONS_PAGE_SIZE, NextToken }), signal), (page) => keep(page.Accounts))
        await everyPage('Organizations', 
          (NextToken) => send(access, new ListOrganizationalUnitsForParentCommand({ ParentId, MaxResults: ORGANIZATIONS_PAGE_SIZE, NextToken }), signal),
          (page) => {
            if (!page.OrganizationalUnits) throw new InvalidResponseError('the SDK read no OrganizationalUnits list from the answer', 200, page.$metadata.requestId)
            pending.push(...page.OrganizationalUnits.map((ou) => ou.Id!))
          },
        )
      }
    }
  } catch (error) {
    return listingFailure(error, request, parent, access.calls.maxAttempts)
  }
  return { kind: 'listed', listedAt: new Date().toISOString(), accounts: [...accounts.values()] }
}

/** `State` (the newer, finer field) when the answer has it, else `Status`; the answer check made sure one is there. */
function toOrganizationAccount(account: Account): OrganizationAccount {
  return { accountId: account.Id!, ...(account.Name !== undefined ? { name: account.Name } : {}), status: (account.State ?? account.Status)! }
}

async function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  access: OrganizationsAccess,
  command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, OrganizationsClientResolvedConfig>,
  signal: AbortSignal,
): Promise<O> {
  try {
    const output = await access.client.send(command, { abortSignal: signal })
    access.calls.countRetries(output)
    return output
  } catch (error) {
    access.calls.countRetries(error)
    throw error
  }
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized/

/** What the SDK threw, as a LookupError naming what to allow, where to run from, or what to check. */
function listingFailure(error: unknown, request: AccountListingRequest, parent: string | undefined, maxAttempts: number): LookupError {
  const failure = asLookupError(failureObservation(error, { accountId: '', region: '', cluster: '' }, maxAttempts))
  const actions = request.ous ? 'organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent' : 'organizations:ListAccounts'
  const where = 'run partner-drift with credentials of the organization\'s management account or of a delegated administrator account'
  if (ACCESS_DENIED.test(failure.code)) return { ...failure, hint: `allow ${actions}, and ${where}` }
  if (failure.code === 'AWSOrganizationsNotInUseException') {
    return { ...failure, hint: `the account partner-drift runs in is not in an AWS Organization; ${where}, or list the accounts in discover.accounts instead` }
  }
  if (parent !== undefined && (failure.code === 'ParentNotFoundException' || failure.code === 'InvalidInputException')) {
    return { ...failure, message: `${failure.message} (ParentId ${parent})`, hint: 'check discover.organization.ous: each must be an OU id (ou-...) or the root id (r-...) of this organization' }
  }
  if (/^E[A-Z]+$/.test(failure.code)) return { ...failure, hint: 'could not reach AWS Organizations; check the network path and AWS_ENDPOINT_URL_ORGANIZATIONS' }
  return failure
}

// ------------------------------------------------------------------ the shape of an Organizations answer

export type OrganizationsAnswerCheck = { ok: true; items: number } | { ok: false; problem: string }

const ACCOUNT_ID = /^\d{12}$/
/** The id patterns of the Organizations model. */
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/

/** The list each checked operation answers with. */
const LIST_OF: ReadonlyMap<string, 'Accounts' | 'OrganizationalUnits'> = new Map([
  ['ListAccountsCommand', 'Accounts'],
  ['ListAccountsForParentCommand', 'Accounts'],
  ['ListOrganizationalUnitsForParentCommand', 'OrganizationalUnits'],
])

/**
 * Decides whether `bytes` is a well-formed answer of a List operation whose list is `list`: a
 * JSON object holding that list, every item an object with the id the model requires (an
 * account id of 12 digits, with a non-blank Status or State; an OU id), and a NextToken that is
 * absent, null or a string. The SDK reads an empty body, an HTML page or a list under another
 * name as "no accounts", which would make accounts disappear from discovery unseen.
 */
export function checkOrganizationsAnswer(bytes: Uint8Array, list: 'Accounts' | 'OrganizationalUnits'): OrganizationsAnswerCheck {
  const page = checkJsonListAnswer(bytes, list)
  if (!page.ok) return page
  const items = page.items
  for (const [index, item] of items.entries()) {
    const which = `item ${index + 1} of ${list}`
    if (!isObject(item)) return { ok: false, problem: `${which} is not an object` }
    const id = Object.hasOwn(item, 'Id') ? item.Id : undefined
    if (list === 'Accounts') {
      if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) return { ok: false, problem: `${which} has no 12-digit Id` }
      const status = Object.hasOwn(item, 'State') ? item.State : Object.hasOwn(item, 'Status') ? item.Status : undefined
      if (typeof status !== 'string' || status.trim() === '') return { ok: false, problem: `${which} has no Status or State` }
      if (Object.hasOwn(item, 'Name') && typeof item.Name !== 'string') return { ok: false, problem: `${which} has a Name that is not a string` }
    } else if (typeof id !== 'string' || !OU_ID.test(id)) return { ok: false, problem: `${which} has no OU Id (ou-...)` }
  }
  return { ok: true, items: items.length }
}


/**
 * The raw answer of every listing is checked before the SDK reads it (see raw-answers.ts), and
 * the SDK must then have read as many items as the body held.
 */
function addAnswerChecks(client: OrganizationsClient): void {
  addRawAnswerChecks<number>(client.middlewareStack, 'partnerDriftOrganizations', {
    operationOf: (commandName) => (LIST_OF.has(commandName ?? '') ? (commandName ?? '').replace(/Command$/, '') : undefined),
    check: (bytes, operation) => {
      const checked = checkOrganizationsAnswer(bytes, LIST_OF.get(`${operation}Command`)!)
      return checked.ok ? { ok: true, held: checked.items } : checked
    },
    misread: (items, output, operation) => {
      const list = LIST_OF.get(`${operation}Command`)!
      const read = (output as Partial<Record<typeof list, unknown[]>> | undefined)?.[list]?.length
      return read === items ? undefined : `the answer held ${items} ${list} items but ${read ?? 'none'} could be read`
    },
  })
}
