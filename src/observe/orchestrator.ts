import { getEventListeners, setMaxListeners } from 'node:events'

import pLimit, { type LimitFunction } from 'p-limit'

import type { ClusterObservation, ClusterTarget, SourceContext, SourceDefinition, SourceSession, SourceStats } from '../contract.js'
import { type Diagnostic, InputError } from '../input/diagnostics.js'
import { formatDuration } from '../manifest/desired-state.js'
import type { AttributionCode, ObservationCode } from '../model/error-codes.js'
import { clusterKey, roleForAccount } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { AttributionRequest, ChangeHistory } from '../model/attribution.js'
import type { AccountListing, DiscoveryOutcome, DiscoveryRequest, DiscoveryScope, LookupError, ScopeResult } from '../model/discovery.js'
import { type LearnedRate, type ObserveStats, withCode } from '../model/observation.js'
import { checkChangeHistory } from './attribution-check.js'
import { type Checked, checkAccountListing, checkScopeDiscovery } from './discovery-check.js'
import { checkObservation } from './observation-check.js'
import { SourceError } from './source-error.js'

export interface ObserveProgress {
  done: number
  total: number
  errors: number
  retries?: number
  throttled?: number
}

export interface ObserveOptions {
  source: SourceDefinition<any>
  /** Already validated against the source's options schema. */
  options: Record<string, unknown>
  targets: ClusterTarget[]
  /** How many clusters are observed at once. */
  concurrency: number
  /** Overall deadline for observing every cluster; clusters not observed by then end as errors. */
  deadlineMs?: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  onProgress?: (progress: ObserveProgress) => void
  /**
   * With `discover:`: where to look for clusters before observing, and how what was found becomes
   * clusters to observe (in addition to `targets`). Discovery calls share the concurrency and the deadline.
   */
  discovery?: DiscoveryPlan
  /**
   * `check --attribute`: after every cluster is observed, what to ask the source's `attribute()`
   * (one request per account and region), made from what was observed and discovered. The calls
   * share the concurrency and the deadline; whatever they give, no observation changes.
   */
  attribution?: { requestsOf(observations: ReadonlyMap<string, ClusterObservation>, discovery?: DiscoveryOutcome): AttributionRequest[] }
}

/** Where discovery looks, which of those scopes are this run's (`--shard`), and what becomes of what it finds. */
export type DiscoveryPlan = DiscoveryRequest & {
  targetsOf(outcome: DiscoveryOutcome): ClusterTarget[]
  /** Only these (account, region) scopes are looked at; all when left out. */
  inShard?(scope: { accountId: string; region: string }): boolean
}

export interface ObserveResult {
  /** By `clusterKey`; every target has an entry. */
  observations: Map<string, ClusterObservation>
  stats: ObserveStats
  /** When discovery was asked for: every scope's result, errors included. */
  discovery?: DiscoveryOutcome
  /** When attribution was asked for: each requested account and region's change history or error, by `account\u0000region`. */
  attribution?: Map<string, ChangeHistory>
}

/**
 * setTimeout's limit: a longer delay overflows, and the timer fires at once. A deadline beyond it
 * (about 24.8 days) is held at it, which is no deadline a run can notice.
 */
export const MAX_DEADLINE_MS = 2 ** 31 - 1

/**
 * The one place where concurrency lives: opens the source, observes each distinct cluster
 * exactly once with at most `concurrency` in flight, and turns every failure into an
 * `error` observation so a cluster that could not be seen can never pass as in sync.
 *
 * A source that cannot open stops the run before any cluster: its located input problems are
 * thrown as an `InputError`, any other failure as a `SourceError` naming the source and its code.
 * A source that does not answer in time (open, observe or close) cannot hold the run past the
 * deadline: every cluster not observed by then is a `DeadlineExceeded` error.
 */
export async function observeClusters(options: ObserveOptions): Promise<ObserveResult> {
  // Not `performance.now()`: the `performance` global loads perf_hooks on first use, about 2 ms of a start.
  const started = process.hrtime.bigint()
  const { source } = options
  let targets = uniqueTargets(options.targets)
  const observations = new Map<string, ClusterObservation>()
  const deadline = new RunDeadline(options.deadlineMs)
  const accountRegions = new Set(targets.map(accountRegionKey))
  const stats = (session?: SourceSession): ObserveStats => ({
    source: source.name,
    clusters: targets.length,
    elapsedMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
    ...(session ? sourceStats(session, accountRegions) : {}),
  })
  try {
    const context: SourceContext = {
      cwd: options.cwd ?? process.cwd(),
      signal: deadline.signal,
      env: options.env ?? process.env,
      concurrency: options.concurrency,
    }
    const opening = settle(() => source.open(options.options, context))
    const opened = await deadline.race(opening)
    if (opened === DEADLINE) {
      // Should it open after all, let it release what it holds; the run does not wait for that.
      void opening.then((late) => ('value' in late ? settle(() => (late.value as Partial<SourceSession> | null)?.close?.()) : undefined))
      for (const target of targets) observations.set(clusterKey(target), deadline.exceeded(source.name, 'the source did not open'))
      const discovery = options.discovery && notDiscovered(options.discovery, deadline.exceeded(source.name, 'the source did not open'))
      return { observations, stats: stats(), ...(discovery ? { discovery } : {}) }
    }
    if ('error' in opened) throw openFailure(source.name, opened.error)
    const session = opened.value
    if (!hasObserve(session)) {
      throw new SourceError('source-open', `source "${source.name}" could not open: open() returned no session with an observe() function`, SOURCE_BUG_HINT)
    }

    const limit = pLimit(options.concurrency)
    let discovery: DiscoveryOutcome | undefined
    if (options.discovery) {
      const missing = missingDiscoveryMember(session, options.discovery)
      if (missing) {
        await deadline.race(settle(() => session.close?.()))
        throw new SourceError(
          'discovery-unsupported',
          `source "${source.name}" cannot ${missing === 'discover' ? 'discover clusters' : 'list the accounts of an organization'} (it has no ${missing}(); discovery came with source contract 1.1)`,
          'use --source aws, or a snapshot recorded from this manifest; or remove discover: from the manifest',
        )
      }
      discovery = await discoverScopes(session, source.name, options.discovery, deadline, limit)
      targets = uniqueTargets([...targets, ...options.discovery.targetsOf(discovery)])
      // Rates learned while discovering or observing these are the run's own too.
      for (const place of [...discovery.scopes, ...targets]) accountRegions.add(accountRegionKey(place))
    }
    let done = 0
    let errors = 0
    await Promise.all(
      interleavedByScope(targets).map((target) =>
        limit(async () => {
          const observation = await observeOne(session, source.name, target, deadline)
          observations.set(clusterKey(target), observation)
          done++
          if (observation.kind === 'error') errors++
          if (options.onProgress) {
            const { retries, throttled } = sourceStats(session, accountRegions)
            options.onProgress({ done, total: targets.length, errors, retries, throttled })
          }
        }),
      ),
    )
    const attribution = options.attribution && (await attributeChanges(session, source.name, options.attribution.requestsOf(observations, discovery), deadline, limit))
    const result = { observations, stats: stats(session), ...(discovery ? { discovery } : {}), ...(attribution ? { attribution } : {}) }
    // Every cluster is decided: a close() that fails or never settles changes nothing, and waits at most until the deadline.
    await deadline.race(settle(() => session.close?.()))
    return result
  } finally {
    deadline.clear()
  }
}

const SOURCE_BUG_HINT = 'this is a bug in the source: report it to its author, with this message'

const DEADLINE = Symbol('deadline')

/**
 * The run's deadline: one timer, one AbortController, and one promise every wait races against,
 * so the number of clusters in flight adds no listener anywhere (Node warns past 10 on one signal).
 */
class RunDeadline {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout | undefined
  /** Each race under way, told when the deadline passes (see `race`). */
  private readonly racing = new Set<() => void>()
  /** One controller per cluster in flight, so a source's own listeners never pile up on a shared signal. */
  private readonly inFlight = new Set<AbortController>()
  /** Released cluster controllers that nothing listens to (see `clusterSignal`). */
  private readonly idle: AbortController[] = []
  readonly ms: number | undefined

  constructor(deadlineMs: number | undefined) {
    if (deadlineMs !== undefined && !(deadlineMs > 0)) throw new RangeError(`deadlineMs must be a positive number of milliseconds, not ${deadlineMs}`)
    this.ms = deadlineMs === undefined ? undefined : Math.min(Math.ceil(deadlineMs), MAX_DEADLINE_MS)
    // A source may hand the session-wide signal to every request it makes: that is no leak, so no warning.
    setMaxListeners(0, this.controller.signal)
    if (this.ms !== undefined) {
      const ms = this.ms
      // Not unref'd: when a source's promise never settles, this timer is all that keeps Node
      // running; without it Node exits (code 13, unsettled top-level await) with no report at all.
      this.timer = setTimeout(() => {
        const reason = new DOMException(`the ${describeDeadline(ms)} deadline passed`, 'TimeoutError')
        this.controller.abort(reason)
        for (const c of this.inFlight) c.abort(reason)
        for (const lose of this.racing) lose()
        this.racing.clear()
      }, ms)
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get aborted(): boolean {
    return this.controller.signal.aborted
  }

  /**
   * `work`'s result, or DEADLINE if the deadline passes first; `work` itself is never awaited past it.
   * Not `Promise.race` with one promise of the deadline: every race would leave a reaction on it
   * until the deadline, and through that reaction V8 keeps the race's result, so every answer a
   * source gave would be held until the run ends (nodejs/node#17469). A race here is forgotten
   * as soon as its work settles.
   */
  race<T>(work: Promise<T>): Promise<T | typeof DEADLINE> {
    return new Promise((resolve, reject) => {
      // `work` is subscribed to first: settled already, it wins, as in `Promise.race`.
      const lose = (): void => resolve(DEADLINE)
      work.then(
        (value) => {
          this.racing.delete(lose)
          resolve(value)
        },
        (error: unknown) => {
          this.racing.delete(lose)
          reject(error)
        },
      )
      if (this.aborted) void Promise.resolve().then(lose)
      else this.racing.add(lose)
    })
  }

  /**
   * A signal for one cluster, aborted with the run's; `release` it when the cluster is done.
   * Making an AbortSignal costs about 6 µs (60 ms for 10,000 clusters), so a released signal
   * that nothing listens to any more serves the next cluster: these signals are aborted only
   * with the run, all at once. One that a source left a listener on is never handed out again.
   */
  clusterSignal(): { signal: AbortSignal; release: () => void } {
    let controller = this.idle.pop()
    if (!controller) {
      controller = new AbortController()
      setMaxListeners(0, controller.signal)
    }
    if (this.aborted) controller.abort(this.controller.signal.reason)
    else this.inFlight.add(controller)
    const held = controller
    return {
      signal: controller.signal,
      release: () => {
        this.inFlight.delete(held)
        if (!held.signal.aborted && getEventListeners(held.signal, 'abort').length === 0) this.idle.push(held)
      },
    }
  }

  exceeded(sourceName: string, what = 'not observed'): LookupError {
    return {
      kind: 'error',
      code: 'DeadlineExceeded' satisfies ObservationCode,
      source: sourceName,
      message: `${what} within the ${describeDeadline(this.ms ?? 0)} deadline`,
      hint: 'raise --timeout, or check that the endpoint answers',
    }
  }

  clear(): void {
    clearTimeout(this.timer)
    this.inFlight.clear()
    this.racing.clear()
  }
}

function describeDeadline(ms: number): string {
  return ms < 1000 ? `${ms} ms` : formatDuration(ms)
}

/** What a source threw, read once into plain data. */
interface Thrown {
  code: string
  message: string
  /** What to do, when the source said (a string `hint` on what it threw). */
  hint?: string
  /** Located problems of the source's own input, when it threw an InputError. */
  diagnostics?: Diagnostic[]
}

/**
 * Runs a source's function; what it returns or throws, synchronously or not, as a value. A thrown
 * value is read here, once, and never again: reading it (a getter, a proxy, an object with no
 * prototype to turn into text) may itself throw, and must not crash the run.
 */
async function settle<T>(fn: () => T | Promise<T>): Promise<{ value: T } | { error: Thrown }> {
  try {
    return { value: await fn() }
  } catch (error) {
    try {
      // A source package may bring its own copy of partner-drift, whose InputError is another class.
      if (isInputError(error)) return { error: { code: 'InvalidSourceInput' satisfies ObservationCode, message: 'problems in its input', diagnostics: error.diagnostics.map((d) => ({ ...d })) } }
      const hint = (error as { hint?: unknown } | null)?.hint
      return { error: { code: errorCode(error), message: messageOf(error), ...(typeof hint === 'string' && hint ? { hint } : {}) } }
    } catch {
      return { error: { code: 'SourceError' satisfies ObservationCode, message: 'it threw a value that cannot be read' } }
    }
  }
}

/** A source that cannot open is one problem of the run, not one per cluster. */
function openFailure(sourceName: string, { code, message, diagnostics, hint }: Thrown): Error {
  if (diagnostics) return new InputError(diagnostics)
  return new SourceError(
    'source-open',
    `source "${sourceName}" could not open: ${withCode(code, message)}`,
    hint ?? `check the source's options and what it needs (credentials, environment variables, files); if they are right, report it to the source's author`,
  )
}

/**
 * Only the figures the contract names, and only well-formed ones: counts, and learned rates of
 * accounts and regions the run asked about (a source cannot add lines about anything else), one
 * per pair, in a fixed order. The rest of the run's figures are the core's.
 */
function sourceStats(session: SourceSession, accountRegions: ReadonlySet<string>): SourceStats {
  let raw: unknown
  try {
    raw = session.stats?.()
  } catch {
    return {}
  }
  const stats: SourceStats = {}
  if (typeof raw !== 'object' || raw === null) return stats
  try {
    for (const name of ['apiCalls', 'retries', 'throttled'] as const) {
      const value = (raw as Record<string, unknown>)[name]
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) stats[name] = value
    }
    const rates = learnedRates((raw as Record<string, unknown>).rates, accountRegions)
    if (rates.length > 0) stats.rates = rates
  } catch {
    // A getter or proxy that throws: the figures read so far stand.
  }
  return stats
}

function learnedRates(raw: unknown, accountRegions: ReadonlySet<string>): LearnedRate[] {
  if (!Array.isArray(raw)) return []
  const byPair = new Map<string, LearnedRate>()
  for (const entry of raw as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue
    const { accountId, region, requestsPerSecond } = entry as Record<string, unknown>
    if (typeof accountId !== 'string' || typeof region !== 'string' || typeof requestsPerSecond !== 'number') continue
    const key = accountRegionKey({ accountId, region })
    if (!accountRegions.has(key) || byPair.has(key) || !Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) continue
    byPair.set(key, { accountId, region, requestsPerSecond })
  }
  return [...byPair.values()].sort((a, b) => compareText(a.accountId, b.accountId) || compareText(a.region, b.region))
}

const accountRegionKey = (t: { accountId: string; region: string }): string => `${t.accountId}\u0000${t.region}`

async function observeOne(session: SourceSession, sourceName: string, target: ClusterTarget, deadline: RunDeadline): Promise<ClusterObservation> {
  if (deadline.aborted) return deadline.exceeded(sourceName)
  const { signal, release } = deadline.clusterSignal()
  try {
    // A source that ignores the signal must still not hold the run past its deadline.
    const outcome = await deadline.race(settle(() => session.observe(target, signal)))
    if (outcome === DEADLINE) return deadline.exceeded(sourceName)
    if ('error' in outcome) {
      if (deadline.aborted) return deadline.exceeded(sourceName)
      const { code, message } = outcome.error
      return { kind: 'error', code, message, source: sourceName }
    }
    const checked = checkObservation(outcome.value)
    if (!checked.ok) {
      return {
        kind: 'error',
        code: 'InvalidObservation' satisfies ObservationCode,
        source: sourceName,
        message: `the source answered with a malformed observation: ${checked.problems.join('; ')}`,
        hint: SOURCE_BUG_HINT,
      }
    }
    const observation = checked.observation
    // Errors a source returns name it like errors it throws; a replayed snapshot keeps the source that first saw the error.
    return observation.kind === 'error' ? { ...observation, source: observation.source ?? sourceName } : observation
  } finally {
    release()
  }
}

/**
 * The order clusters are asked for in: one of each (account, region) in turn. AWS throttles per
 * account and region, so the clusters in flight are spread over as many of them as there are,
 * instead of all waiting on the rate of the first one the manifest lists.
 */
function interleavedByScope(targets: readonly ClusterTarget[]): ClusterTarget[] {
  const byScope = new Map<string, ClusterTarget[]>()
  for (const target of targets) {
    const key = accountRegionKey(target)
    const queue = byScope.get(key)
    if (queue) queue.push(target)
    else byScope.set(key, [target])
  }
  const queues = [...byScope.values()]
  const order: ClusterTarget[] = []
  for (let i = 0; order.length < targets.length; i++) for (const queue of queues) if (i < queue.length) order.push(queue[i]!)
  return order
}

function uniqueTargets(targets: ClusterTarget[]): ClusterTarget[] {
  const byKey = new Map<string, ClusterTarget>()
  for (const target of targets) if (!byKey.has(clusterKey(target))) byKey.set(clusterKey(target), target)
  return [...byKey.values()]
}

/**
 * The source's own code for what went wrong: `code` (Node and most libraries), else the
 * error's `name` (the AWS SDK names its exceptions after the service's error code).
 */
function errorCode(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown }
  if (typeof e?.code === 'string' && e.code) return e.code
  if (typeof e?.name === 'string' && e.name && e.name !== 'Error') return e.name
  return 'SourceError' satisfies ObservationCode
}


function messageOf(error: unknown): string {
  return error instanceof Error ? String(error.message) : String(error)
}

function hasObserve(session: unknown): session is SourceSession {
  try {
    return typeof session === 'object' && session !== null && typeof (session as SourceSession).observe === 'function'
  } catch {
    return false
  }
}

/**
 * A source package may bring its own copy of partner-drift, whose InputError is another class;
 * its located diagnostics must still reach the user, so the shape is checked, not the class.
 */
function isInputError(error: unknown): error is InputError {
  const e = error as { name?: unknown; diagnostics?: unknown }
  if (!(error instanceof InputError) && e?.name !== 'InputError') return false
  // With no located problem there would be nothing to show: that is a plain failure to open.
  return Array.isArray(e.diagnostics) && e.diagnostics.length > 0 && e.diagnostics.every(isDiagnostic)
}

function isDiagnostic(value: unknown): value is Diagnostic {
  const d = value as Partial<Diagnostic> | null
  return (
    typeof d === 'object' && d !== null &&
    (d.severity === 'error' || d.severity === 'warning') &&
    typeof d.code === 'string' && typeof d.file === 'string' && typeof d.path === 'string' && typeof d.message === 'string' &&
    Number.isSafeInteger(d.line) && Number.isSafeInteger(d.column) &&
    (d.hint === undefined || typeof d.hint === 'string')
  )
}

// ------------------------------------------------------------------ discovery

function missingDiscoveryMember(session: SourceSession, request: DiscoveryPlan): 'discover' | 'listAccounts' | undefined {
  try {
    if (typeof session.discover !== 'function') return 'discover'
    if (request.organization && typeof session.listAccounts !== 'function') return 'listAccounts'
    return undefined
  } catch {
    return 'discover'
  }
}

/** Every (account, region) to look in, in the order given: listed accounts, or the organization's ACTIVE ones not excluded. */
function scopesOf(request: DiscoveryPlan, accounts: readonly string[]): DiscoveryScope[] {
  const scopes: DiscoveryScope[] = []
  for (const accountId of [...new Set(accounts)]) {
    for (const region of [...new Set(request.regions)]) {
      if (request.inShard && !request.inShard({ accountId, region })) continue
      scopes.push({ accountId, region, ...(request.assumeRole ? { assumeRole: roleForAccount(request.assumeRole, accountId) } : {}) })
    }
  }
  return scopes
}

/** Where discovery could not even start: the listed accounts' scopes and the organization, all failed with one error. */
function notDiscovered(request: DiscoveryPlan, error: LookupError): DiscoveryOutcome {
  return {
    ...(request.organization ? { organization: error } : {}),
    scopes: scopesOf(request, request.accounts ?? []).map((scope) => ({ ...scope, result: error })),
  }
}

async function discoverScopes(session: SourceSession, sourceName: string, request: DiscoveryPlan, deadline: RunDeadline, limit: LimitFunction): Promise<DiscoveryOutcome> {
  let accounts = request.accounts ?? []
  let organization: AccountListing | undefined
  if (request.organization) {
    const { ous, exclude } = request.organization
    organization = await lookUp(deadline, sourceName, () => session.listAccounts!({ ...(ous ? { ous } : {}) }, deadline.signal), checkAccountListing)
    const excluded = new Set(exclude)
    accounts = organization.kind === 'listed' ? organization.accounts.filter((a) => a.status === 'ACTIVE' && !excluded.has(a.accountId)).map((a) => a.accountId) : []
  }
  const scopes = await Promise.all(
    scopesOf(request, accounts).map((scope) =>
      limit(async (): Promise<ScopeResult> => {
        const { signal, release } = deadline.clusterSignal()
        try {
          return { ...scope, result: await lookUp(deadline, sourceName, () => session.discover!(scope, signal), checkScopeDiscovery) }
        } finally {
          release()
        }
      }),
    ),
  )
  return { ...(organization ? { organization } : {}), scopes }
}

/**
 * One discovery call, read like an observation: thrown errors and error answers carry the source,
 * a malformed answer is `InvalidDiscovery`, and nothing waits past the deadline.
 */
async function lookUp<T extends { kind: string } | LookupError>(
  deadline: RunDeadline,
  sourceName: string,
  call: () => Promise<unknown>,
  check: (value: unknown) => Checked<T>,
  malformed: string = 'InvalidDiscovery' satisfies ObservationCode,
): Promise<T | LookupError> {
  const exceeded = (): LookupError => deadline.exceeded(sourceName)
  if (deadline.aborted) return exceeded()
  const outcome = await deadline.race(settle(call))
  if (outcome === DEADLINE) return exceeded()
  if ('error' in outcome) {
    if (deadline.aborted) return exceeded()
    return { kind: 'error', code: outcome.error.code, message: outcome.error.message, source: sourceName }
  }
  const checked = check(outcome.value)
  if (!checked.ok) {
    const what = malformed === 'InvalidDiscovery' ? 'discovery' : 'change history'
    return { kind: 'error', code: malformed, source: sourceName, message: `the source answered with a malformed ${what}: ${checked.problems.join('; ')}`, hint: SOURCE_BUG_HINT }
  }
  const value = checked.value
  return isLookupError(value) ? { ...value, source: value.source ?? sourceName } : value
}

// ------------------------------------------------------------------ attribution

/**
 * Each request's change history, by account and region. A source without `attribute()` (it came
 * with contract 1.2) answers every request with the same error: attribution never fails a run.
 */
async function attributeChanges(session: SourceSession, sourceName: string, requests: AttributionRequest[], deadline: RunDeadline, limit: LimitFunction): Promise<Map<string, ChangeHistory>> {
  const histories = new Map<string, ChangeHistory>()
  let supported: boolean
  try {
    supported = typeof session.attribute === 'function'
  } catch {
    supported = false
  }
  if (!supported) {
    const unsupported: LookupError = {
      kind: 'error',
      code: 'AttributionUnsupported' satisfies AttributionCode,
      source: sourceName,
      message: `source "${sourceName}" cannot tell who changed an integration (it has no attribute(); attribution came with source contract 1.2)`,
      hint: 'run check --attribute with --source aws, which reads CloudTrail',
    }
    for (const request of requests) histories.set(accountRegionKey(request), unsupported)
    return histories
  }
  await Promise.all(
    requests.map((request) =>
      limit(async () => {
        const { signal, release } = deadline.clusterSignal()
        try {
          const history = await lookUp(deadline, sourceName, () => session.attribute!(request, signal), checkChangeHistory, 'InvalidAttribution' satisfies AttributionCode)
          histories.set(accountRegionKey(request), history)
        } finally {
          release()
        }
      }),
    ),
  )
  return histories
}

function isLookupError(value: { kind: string }): value is LookupError {
  return value.kind === 'error'
}
