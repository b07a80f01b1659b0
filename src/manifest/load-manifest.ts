import { type Diagnostic, sortDiagnostics } from '../input/diagnostics.js'
import type { InputCode } from '../model/error-codes.js'
import { formatKeyPath, type KeyPath, type LocatedDocument, parseDocumentText, readDocument } from '../input/document.js'
import { readInputText } from '../input/read-input.js'
import { checkAgainstSchema, suggestFor } from '../input/schema-check.js'
import { exceptionsFileSchema, loadSchema } from '../schemas.js'
import { clusterKey, roleForAccount } from '../model/cluster.js'
import { POLICY_KINDS, type PolicyKind } from '../model/finding-kinds.js'
import type { FileLocation } from '../model/finding.js'
import { sha256 } from '../model/node-crypto.js'
import { PARTNER_STATUSES } from '../model/observation.js'
import { excerpt } from '../untrusted-text.js'
import {
  type DesiredCluster,
  type DesiredDatabase,
  type ExpectedPartner,
  type DesiredDiscovery,
  type DesiredRule,
  type DesiredState,
  type ExceptionRules,
  type RuleMatch,
  type ExtraPolicy,
  type FindingException,
  type SeverityPolicy,
  type ForbiddenPartner,
  parseDuration,
} from './desired-state.js'

// The options of `doc.locate`, made once: it is called for every entry of a manifest.
const KEY = { key: true } as const
const VALUE = { key: false } as const

export interface LoadedManifest {
  /** Present only when the manifest has no error. */
  desired?: DesiredState
  /** Every problem at once: syntax, schema and semantic checks. */
  diagnostics: Diagnostic[]
}

/** Values from the command line that fill in only where the manifest says nothing. */
export interface ManifestFallback {
  region?: string
  assumeRole?: string
}

/** What a manifest is checked against besides itself. */
export interface ManifestContext {
  /** `YYYY-MM-DD` (UTC) the run is judged on, for `exceptionRules.maxDays`; default today. */
  today?: string
  /** Set `digest`, the SHA-256 of the text: what shards of one check compare (hashing a large manifest is not free). */
  digest?: boolean
}

/** Reads, validates and resolves a manifest file. Never throws for bad input. */
export async function loadManifest(file: string, fallback: ManifestFallback = {}, context: ManifestContext = {}): Promise<LoadedManifest> {
  const input = await readInputText(file)
  if (!input.ok) return { diagnostics: input.diagnostics }
  return manifestOfText(input.text, input.file, fallback, context)
}

/** A manifest's text read elsewhere (a git revision), validated and resolved as a file's; `file` names it in every diagnostic. */
export function manifestOfText(text: string, file: string, fallback: ManifestFallback = {}, context: ManifestContext = {}): LoadedManifest {
  const loaded = resolveManifest(parseDocumentText(text, file), fallback, context)
  // What shards of one check compare, to refuse merging reports of different manifests.
  return loaded.desired && context.digest ? { ...loaded, desired: { ...loaded.desired, digest: sha256(text).toString('hex') } } : loaded
}


type Raw = Record<string, unknown>

/** Settings that cascade from defaults to cluster to database to partner. */
interface Inherited {
  accountId?: string
  region?: string
  assumeRole?: string
  /** Statuses that count as healthy: the four documented ones or any other the API returns. */
  status: string[]
  maxStatusAge?: string
  extra: ExtraPolicy
  absent: ForbiddenPartner[]
}

/** What an entry may set for everything below it (see `Inherited`). */
const CASCADED_KEYS: ReadonlySet<string> = new Set(['accountId', 'region', 'assumeRole', 'status', 'maxStatusAge', 'extra', 'absent'])

/** True when an entry sets none of `CASCADED_KEYS`: it has few keys of its own, so they are the ones looked at. */
function setsNothing(raw: Raw): boolean {
  for (const key in raw) if (CASCADED_KEYS.has(key) && raw[key] !== undefined) return false
  return true
}

const NONE: ForbiddenPartner[] = []

/** `values` itself when every value is a string (nothing changes a document's values once read), else its strings. */
function onlyStrings(values: unknown[]): string[] {
  for (const value of values) if (typeof value !== 'string') return values.filter((s): s is string => typeof s === 'string')
  return values as string[]
}

/** Past this many partners on one database, duplicates are looked for in a map instead of the list. */
const FEW_PARTNERS = 8

/** Where `partner` is in `partners`, if it is. */
function listedLocation(partners: readonly ExpectedPartner[], partner: string): FileLocation | undefined {
  for (const p of partners) if (p.partner === partner) return p.location
  return undefined
}

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export function resolveManifest(doc: LocatedDocument, fallback: ManifestFallback = {}, context: ManifestContext = {}): LoadedManifest {
  if (doc.diagnostics.length > 0) return { diagnostics: doc.diagnostics }
  const diagnostics = checkAgainstSchema(doc, loadSchema('manifest'))
  if (!isObject(doc.value)) return { diagnostics }

  // Called for every entry of the manifest: no spread, and the options are constants.
  const at = (path: KeyPath, key = false): FileLocation => {
    const { line, column } = doc.locate(path, key ? KEY : VALUE)
    return { file: doc.file, line, column }
  }
  const problem = (path: KeyPath, code: InputCode, message: string, hint?: string): void => {
    diagnostics.push({ severity: 'error', code, ...at(path), path: formatKeyPath(path), message, hint })
  }
  const where = (l: FileLocation): string => `${l.file}:${l.line}:${l.column}`

  // Statuses are open (the API may return one not documented, and a manifest bootstrapped from
  // it must validate), but a near miss of a documented one is a typo that would fail every run.
  // `path` is the entry's: the status's own path is made only for a problem (20,000 partner entries of a large manifest set one).
  const checkStatuses = (status: unknown, path: KeyPath): void => {
    if (typeof status === 'string') checkStatus(status, path)
    else if (Array.isArray(status)) for (let i = 0; i < status.length; i++) checkStatus(status[i], path, i)
  }
  const checkStatus = (value: unknown, path: KeyPath, index?: number): void => {
    if (typeof value !== 'string' || (PARTNER_STATUSES as readonly string[]).includes(value)) return
    const suggestion = suggestFor(value, PARTNER_STATUSES)
    // Only a near miss in length too: `ActiveSyncing` could be a real status, `Actve` cannot.
    if (!suggestion || Math.abs(suggestion.length - value.length) > 2) return
    problem(
      index === undefined ? [...path, 'status'] : [...path, 'status', index],
      'unknown-status',
      `${excerpt(value)} is not a known status (${PARTNER_STATUSES.join(', ')})`,
      `did you mean "${suggestion}"? Statuses are written exactly as DescribePartners returns them`,
    )
  }

  // The semantic checks below run even when the schema found problems, so that a user sees
  // every mistake in one pass; they skip values of the wrong type instead of trusting them.
  const cascade = (parent: Inherited, raw: Raw, path: KeyPath): Inherited => {
    // Most partner entries set nothing of their own: they share their database's settings.
    if (setsNothing(raw)) return parent
    const status = raw.status
    checkStatuses(status, path)
    const absent = raw.absent === undefined ? NONE : list(raw.absent)
      .map((partner, i) => ({ partner, location: at([...path, 'absent', i]) }))
      .filter((a): a is ForbiddenPartner => typeof a.partner === 'string')
    return {
      accountId: text(raw.accountId) ?? parent.accountId,
      region: text(raw.region) ?? parent.region,
      assumeRole: text(raw.assumeRole) ?? parent.assumeRole,
      status: typeof status === 'string' ? [status] : Array.isArray(status) ? onlyStrings(status) : parent.status,
      maxStatusAge: text(raw.maxStatusAge) ?? parent.maxStatusAge,
      extra: (text(raw.extra) as ExtraPolicy | undefined) ?? parent.extra,
      // Shared with the parent when nothing is added: a manifest has a cascade per partner entry.
      absent: absent.length > 0 ? [...parent.absent, ...absent] : parent.absent,
    }
  }

  // A manifest writes few distinct durations, each inherited by thousands of partner entries.
  const durations = new Map<string, number>()
  const durationMs = (written: string): number => {
    let ms = durations.get(written)
    if (ms === undefined) durations.set(written, (ms = parseDuration(written)))
    return ms
  }

  /** The `databases:` of a cluster entry or a rule, with everything they inherit from `settings`. */
  const readDatabases = (raw: Raw, path: KeyPath, settings: Inherited, owner: () => string): DesiredDatabase[] => {
    const databases: DesiredDatabase[] = []
    const databaseSeen = new Map<string, FileLocation>()
    // One path per entry level, its last index set per entry: nothing keeps a path it is given.
    const dPath: Array<string | number> = [...path, 'databases', 0]
    list(raw.databases).forEach((rawDatabase, di) => {
      dPath[dPath.length - 1] = di
      if (!isObject(rawDatabase) || typeof rawDatabase.database !== 'string') return
      const dbSettings = cascade(settings, rawDatabase, dPath)
      const dbName = rawDatabase.database
      const dbLocation = at(dPath)
      const dbFirst = databaseSeen.get(dbName)
      if (dbFirst) {
        problem([...dPath, 'database'], 'duplicate-database', `database ${excerpt(dbName)} of ${owner()} is listed twice; first at ${where(dbFirst)}`, 'merge the two entries into one')
      } else {
        databaseSeen.set(dbName, dbLocation)
      }

      const database: DesiredDatabase = { database: dbName, location: dbLocation, extra: dbSettings.extra, partners: [], absent: dbSettings.absent }
      const partners = database.partners
      // A database lists a handful of partners: they are looked for in `partners`, and in a map only past a few.
      let partnerSeen: Map<string, FileLocation> | undefined
      const pPath: Array<string | number> = [...dPath, 'partners', 0]
      list(rawDatabase.partners).forEach((rawPartner, pi) => {
        pPath[pPath.length - 1] = pi
        if (!isObject(rawPartner) || typeof rawPartner.partner !== 'string') return
        const pSettings = cascade(dbSettings, rawPartner, pPath)
        const partner = rawPartner.partner
        const pFirst = partnerSeen ? partnerSeen.get(partner) : listedLocation(partners, partner)
        if (pFirst) {
          problem([...pPath, 'partner'], 'duplicate-partner', `partner ${excerpt(partner)} is listed twice on database ${excerpt(dbName)}; first at ${where(pFirst)}`, 'remove one of the two entries')
          return
        }
        const location = at(pPath)
        const forbidden = dbSettings.absent.find((a) => a.partner === partner)
        if (forbidden) {
          problem(
            [...pPath, 'partner'],
            'expected-and-absent',
            `partner ${excerpt(partner)} is both expected here and listed as absent at ${where(forbidden.location)}`,
            'a partner cannot be required and forbidden on the same database; remove one of the two',
          )
        }
        partners.push({
          partner,
          statuses: pSettings.status,
          maxStatusAge: pSettings.maxStatusAge,
          maxStatusAgeMs: pSettings.maxStatusAge ? durationMs(pSettings.maxStatusAge) : undefined,
          location,
        })
        if (partnerSeen) partnerSeen.set(partner, location)
        else if (partners.length > FEW_PARTNERS) partnerSeen = new Map(partners.map((p) => [p.partner, p.location]))
      })
      databases.push(database)
    })
    return databases
  }

  const root = doc.value
  const rootPolicy = policyOf(root.policy)
  const builtIn: Inherited = { region: fallback.region, assumeRole: fallback.assumeRole, status: ['Active'], extra: 'fail', absent: [] }
  const rawDefaults = isObject(root.defaults) ? root.defaults : {}
  const defaults = cascade(builtIn, rawDefaults, ['defaults'])
  const clusters: DesiredCluster[] = []
  const clusterSeen = new Map<string, FileLocation>()

  list(root.clusters).forEach((rawCluster, ci) => {
    const cPath: KeyPath = ['clusters', ci]
    if (!isObject(rawCluster) || typeof rawCluster.cluster !== 'string') return
    const settings = cascade(defaults, rawCluster, cPath)
    const name = rawCluster.cluster
    // A value of the wrong type (accountId: 123456789012) is a schema error already; "has no accountId" would be a second, wrong one.
    const written = (key: string): boolean => rawCluster[key] !== undefined || rawDefaults[key] !== undefined
    if (!settings.accountId && !written('accountId')) {
      problem(cPath, 'missing-account', `cluster ${excerpt(name)} has no accountId`, `set accountId on this cluster or defaults.accountId, quoted: "123456789012"`)
    }
    if (!settings.region && !written('region')) {
      problem(cPath, 'missing-region', `cluster ${excerpt(name)} has no region`, 'set region on this cluster or defaults.region (e.g. eu-west-1), or pass --region')
    }
    const roleAccount = settings.assumeRole && /^arn:[^:]+:iam::(\d{12}):/.exec(settings.assumeRole)?.[1]
    if (roleAccount && settings.accountId && roleAccount !== settings.accountId) {
      problem(
        cPath,
        'assume-role-account',
        `cluster ${excerpt(name)} is in account ${excerpt(settings.accountId)} but its assumeRole ${excerpt(settings.assumeRole ?? '')} is in account ${roleAccount}`,
        'DescribePartners must be called from the cluster\'s own account; write the role as arn:aws:iam::{accountId}:role/NAME',
      )
    }
    const identity = { accountId: settings.accountId ?? '?', region: settings.region ?? '?', cluster: name }
    const location = at(cPath)
    const first = clusterSeen.get(clusterKey(identity))
    if (first) {
      problem(
        [...cPath, 'cluster'],
        'duplicate-cluster',
        `cluster ${excerpt(name)} (account ${excerpt(identity.accountId)}, ${excerpt(identity.region)}) is declared twice; first at ${where(first)}`,
        'merge the two entries into one',
      )
    } else {
      clusterSeen.set(clusterKey(identity), location)
    }

    const databases = readDatabases(rawCluster, cPath, settings, () => `cluster ${excerpt(name)}`)

    clusters.push({
      accountId: identity.accountId,
      region: identity.region,
      cluster: name,
      assumeRole: settings.assumeRole === undefined ? undefined : roleForAccount(settings.assumeRole, identity.accountId),
      location,
      extra: settings.extra,
      absent: settings.absent,
      databases,
      policy: { ...rootPolicy, ...policyOf(rawCluster.policy) },
    })
  })

  // Rules and `unmanaged` say what discovery finds must have: without `discover` they would silently do nothing.
  for (const key of ['rules', 'unmanaged'] as const) {
    if (root[key] !== undefined && root.discover === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'needs-discover',
        ...at([key], true),
        path: key,
        message: 'applies to discovered clusters, and this manifest has no discover:',
        hint: `add discover: with the accounts (or organization) and regions to look in, or remove ${key}`,
      })
    }
  }
  // Rules are read (and checked) even without discover, so that every mistake shows at once.
  const rules = readRules()
  const discovery = isObject(root.discover) ? readDiscovery(root.discover, rules) : undefined

  const exceptionRules = exceptionRulesOf(root.exceptionRules)
  const exceptions = readExceptions(doc, root.exceptions, ['exceptions'], { rules: exceptionRules, today: context.today })
  diagnostics.push(...exceptions.diagnostics)
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) }
  return {
    desired: { file: doc.file, clusters, exceptions: exceptions.exceptions, ...(exceptionRules ? { exceptionRules } : {}), ...(discovery ? { discovery } : {}) },
    diagnostics: [],
  }

  function readRules(): DesiredRule[] {
    const rules: DesiredRule[] = []
    const ruleSeen = new Map<string, FileLocation>()
    list(root.rules).forEach((rawRule, ri) => {
      const rPath: KeyPath = ['rules', ri]
      if (!isObject(rawRule) || typeof rawRule.name !== 'string' || !isObject(rawRule.match)) return
      const name = rawRule.name
      const first = ruleSeen.get(name)
      if (first) problem([...rPath, 'name'], 'duplicate-rule', `rule ${excerpt(name)} is named twice; first at ${where(first)}`, 'give every rule its own name: findings and coverage name rules by it')
      else ruleSeen.set(name, at(rPath))
      const settings = cascade(defaults, rawRule, rPath)
      rules.push({
        name,
        location: at(rPath),
        match: matchOf(rawRule.match),
        extra: settings.extra,
        absent: settings.absent,
        databases: readDatabases(rawRule, rPath, settings, () => `rule ${excerpt(name)}`),
        policy: { ...rootPolicy, ...policyOf(rawRule.policy) },
      })
    })
    return rules
  }

  function readDiscovery(raw: Raw, rules: DesiredRule[]): DesiredDiscovery {
    const accounts = list(raw.accounts).filter((a): a is string => typeof a === 'string')
    const organization = isObject(raw.organization) ? raw.organization : undefined
    if ((raw.accounts === undefined) === (raw.organization === undefined)) {
      problem(['discover'], 'discover-accounts', 'needs either accounts: or organization:, not both and not neither', 'list the accounts to look in, or write organization: {} for every ACTIVE account of the organization')
    }
    const assumeRole = text(raw.assumeRole) ?? defaults.assumeRole
    return {
      settings: {
        ...(raw.accounts !== undefined ? { accounts } : {}),
        ...(organization ? { organization: { ...(organization.ous !== undefined ? { ous: list(organization.ous).filter((o): o is string => typeof o === 'string') } : {}), exclude: list(organization.exclude).filter((a): a is string => typeof a === 'string') } } : {}),
        regions: list(raw.regions).filter((r): r is string => typeof r === 'string'),
        ...(assumeRole ? { assumeRole } : {}),
        location: at(['discover']),
      },
      rules,
      unmanaged: (text(root.unmanaged) as ExtraPolicy | undefined) ?? 'fail',
      defaultAbsent: defaults.absent,
      policy: rootPolicy,
    }
  }
}

/** A rule's `match`, each condition as a list of globs (a single glob is a list of one). Tags are read into a list: their keys are the manifest's, not object keys. */
function matchOf(raw: Raw): RuleMatch {
  const globs = (v: unknown): string[] => (typeof v === 'string' ? [v] : list(v).filter((g): g is string => typeof g === 'string'))
  const tags = isObject(raw.tags) ? Object.keys(raw.tags).map((key) => ({ key, values: globs((raw.tags as Raw)[key]) })) : []
  return { accountId: globs(raw.accountId), region: globs(raw.region), cluster: globs(raw.cluster), tags }
}

function policyOf(raw: unknown): SeverityPolicy {
  if (!isObject(raw)) return {}
  const policy: SeverityPolicy = {}
  for (const kind of POLICY_KINDS) {
    const value = raw[kind]
    if (value === 'fail' || value === 'warn' || value === 'off') policy[kind] = value
  }
  return policy
}

/** The manifest's `exceptionRules` (schema-checked already); undefined when it has none. */
function exceptionRulesOf(raw: unknown): ExceptionRules | undefined {
  if (!isObject(raw)) return undefined
  return {
    ...(typeof raw.requireOwner === 'boolean' ? { requireOwner: raw.requireOwner } : {}),
    ...(typeof raw.requireExpiry === 'boolean' ? { requireExpiry: raw.requireExpiry } : {}),
    ...(typeof raw.maxDays === 'number' && Number.isInteger(raw.maxDays) && raw.maxDays > 0 ? { maxDays: raw.maxDays } : {}),
  }
}

/**
 * The `exceptions` list of a manifest or of an `--exceptions` file (schema-checked by the caller),
 * with the checks a schema cannot make: an `expires` must be a real calendar date, or an
 * exception written to end on 2026-02-30 would be in force forever; and what the manifest's
 * `exceptionRules` ask of every exception (an owner, an expiry, no expiry too far ahead).
 */
export function readExceptions(
  doc: LocatedDocument,
  raw: unknown,
  path: KeyPath,
  policy: { rules?: ExceptionRules; today?: string } = {},
): { exceptions: FindingException[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const rules = policy.rules ?? {}
  const today = policy.today ?? new Date().toISOString().slice(0, 10)
  const ruleProblem = (at: KeyPath, code: InputCode, message: string, hint: string): void => {
    diagnostics.push({ severity: 'error', code, file: doc.file, ...doc.locate(at), path: formatKeyPath(at), message, hint })
  }
  const exceptions = list(raw).flatMap((entry, i): FindingException[] => {
    if (!isObject(entry) || typeof entry.reason !== 'string') return []
    const expires = entry.expires
    // Rule violations are reported with the exception kept: they are problems of the entry, not of its meaning.
    if (rules.requireOwner && (typeof entry.owner !== 'string' || entry.owner.trim() === '')) {
      ruleProblem([...path, i], 'exception-owner', 'this exception names no owner, and exceptionRules.requireOwner asks every exception for one', 'add owner: with the team or person who answers for it, e.g. owner: data-platform')
    }
    if (rules.requireExpiry && typeof expires !== 'string') {
      ruleProblem([...path, i], 'exception-expiry', 'this exception has no expires date, and exceptionRules.requireExpiry asks every exception for one', 'add expires: with the last day it applies, as YYYY-MM-DD')
    }
    if (rules.maxDays !== undefined && typeof expires === 'string' && isCalendarDate(expires)) {
      const latest = addDays(today, rules.maxDays)
      if (expires > latest) {
        ruleProblem(
          [...path, i, 'expires'],
          'exception-expiry-too-far',
          `expires ${excerpt(expires)} is more than ${rules.maxDays} days after ${today} (exceptionRules.maxDays)`,
          `choose a date on or before ${latest}, and renew the exception then if it is still needed`,
        )
      }
    }
    // Only the YYYY-MM-DD shape is checked here; any other text is the schema's error already.
    if (typeof expires === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(expires) && !isCalendarDate(expires)) {
      const at: KeyPath = [...path, i, 'expires']
      diagnostics.push({
        severity: 'error',
        code: 'invalid-date',
        file: doc.file,
        ...doc.locate(at),
        path: formatKeyPath(at),
        message: `expires ${excerpt(expires)} is not a date in the calendar`,
        hint: 'write the last day the exception applies as YYYY-MM-DD with a real month (01-12) and day, e.g. 2026-12-31',
      })
      return []
    }
    const kind = entry.kind
    const kinds = (typeof kind === 'string' ? [kind] : Array.isArray(kind) ? kind : POLICY_KINDS).filter((k): k is PolicyKind =>
      (POLICY_KINDS as readonly unknown[]).includes(k),
    )
    const pattern = (key: string): string => text(entry[key]) ?? '*'
    return [
      {
        accountId: pattern('accountId'),
        region: pattern('region'),
        cluster: pattern('cluster'),
        database: pattern('database'),
        partner: pattern('partner'),
        kinds,
        reason: entry.reason,
        ...(typeof entry.owner === 'string' ? { owner: entry.owner } : {}),
        ...(typeof expires === 'string' ? { expires } : {}),
        location: { file: doc.file, ...doc.locate([...path, i]) },
      },
    ]
  })
  return { exceptions, diagnostics }
}

/** `YYYY-MM-DD` plus `days` days, as `YYYY-MM-DD` (UTC). */
function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** `2026-02-28` yes; `2026-02-30`, `2026-13-45`, `2025-02-29` no. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!match) return false
  const [year, month, day] = match.slice(1).map(Number)
  if (month < 1 || month > 12 || day < 1) return false
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return day <= days
}

/**
 * A separate exceptions file (`--exceptions FILE`): `exceptions:` as in a manifest, with the same
 * located errors, and held to the manifest's `exceptionRules` (`policy.rules`).
 */
export async function loadExceptionsFile(file: string, policy: { rules?: ExceptionRules; today?: string } = {}): Promise<{ exceptions: FindingException[]; diagnostics: Diagnostic[] }> {
  const doc = await readDocument(file)
  if (doc.diagnostics.length > 0) return { exceptions: [], diagnostics: doc.diagnostics }
  const diagnostics = checkAgainstSchema(doc, exceptionsFileSchema())
  if (diagnostics.length > 0) return { exceptions: [], diagnostics }
  const read = readExceptions(doc, (doc.value as Raw).exceptions, ['exceptions'], policy)
  return read.diagnostics.length > 0 ? { exceptions: [], diagnostics: read.diagnostics } : read
}
