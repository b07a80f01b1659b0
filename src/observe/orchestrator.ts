import pLimit from 'p-limit'

import type { ClusterObservation, ClusterTarget, SourceContext, SourceDefinition, SourceSession } from '../contract.js'
import { type Diagnostic, InputError } from '../input/diagnostics.js'
import { clusterKey } from '../manifest/desired-state.js'

/** Fetch figures reported with every run. */
export interface FetchStats {
  source: string
  clusters: number
  apiCalls?: number
  retries?: number
  throttled?: number
  elapsedMs: number
}

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
  /** Overall deadline for the whole fetch; clusters not observed by then end as errors. */
  deadlineMs?: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  onProgress?: (progress: ObserveProgress) => void
}

export interface ObserveResult {
  /** By `clusterKey`; every target has an entry. */
  observations: Map<string, ClusterObservation>
  /** Problems in the source's own input (e.g. a snapshot file), when it could not open. */
  diagnostics: Diagnostic[]
  stats: FetchStats
}

/**
 * The one place where concurrency lives: opens the source, observes each distinct cluster
 * exactly once with at most `concurrency` in flight, and turns every failure into an
 * `error` observation so a cluster that could not be seen can never pass as in sync.
 */
export async function observeClusters(options: ObserveOptions): Promise<ObserveResult> {
  const started = performance.now()
  const { source } = options
  const targets = uniqueTargets(options.targets)
  const observations = new Map<string, ClusterObservation>()
  const deadline = new AbortController()
  const timer = options.deadlineMs ? setTimeout(() => deadline.abort(), options.deadlineMs) : undefined
  timer?.unref()
  const context: SourceContext = {
    cwd: options.cwd ?? process.cwd(),
    signal: deadline.signal,
    env: options.env ?? process.env,
    concurrency: options.concurrency,
  }
  const stats = (): FetchStats => ({ source: source.name, clusters: targets.length, elapsedMs: Math.round(performance.now() - started) })

  let session: SourceSession
  try {
    session = await source.open(options.options, context)
  } catch (error) {
    clearTimeout(timer)
    const invalidInput = isInputError(error)
    const diagnostics = invalidInput ? error.diagnostics : []
    const failure: ClusterObservation = {
      kind: 'error',
      code: invalidInput ? 'InvalidSourceInput' : errorCode(error),
      message: `[source ${source.name}] could not open: ${invalidInput ? `${diagnostics.length} problem(s) in its input` : withCode(errorCode(error), messageOf(error))}`,
      hint: invalidInput ? 'fix the problems listed above' : undefined,
    }
    for (const target of targets) observations.set(clusterKey(target), failure)
    return { observations, diagnostics, stats: stats() }
  }

  const limit = pLimit(options.concurrency)
  let done = 0
  let errors = 0
  await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const observation = await observeOne(session, source.name, target, deadline.signal, options.deadlineMs)
        observations.set(clusterKey(target), observation)
        done++
        if (observation.kind === 'error') errors++
        if (options.onProgress) {
          const { retries, throttled } = session.stats?.() ?? {}
          options.onProgress({ done, total: targets.length, errors, retries, throttled })
        }
      }),
    ),
  )
  clearTimeout(timer)
  const sourceStats = session.stats?.() ?? {}
  await session.close?.().catch(() => undefined)
  return { observations, diagnostics: [], stats: { ...stats(), ...sourceStats } }
}

async function observeOne(
  session: SourceSession,
  sourceName: string,
  target: ClusterTarget,
  deadline: AbortSignal,
  deadlineMs: number | undefined,
): Promise<ClusterObservation> {
  const timedOut = (): ClusterObservation => ({
    kind: 'error',
    code: 'DeadlineExceeded',
    message: `[source ${sourceName}] ${target.cluster}: not observed within the ${deadlineMs} ms deadline`,
    hint: 'raise --timeout, or check that the endpoint answers',
  })
  if (deadline.aborted) return timedOut()
  // A source that ignores the signal must still not hold the run past its deadline.
  let onAbort: () => void = () => undefined
  const aborted = new Promise<ClusterObservation>((resolve) => {
    onAbort = () => resolve(timedOut())
    deadline.addEventListener('abort', onAbort, { once: true })
  })
  const attributed = (code: string, message: string): string =>
    // A replayed snapshot keeps the source that first saw the error.
    message.startsWith('[source ') ? message : `[source ${sourceName}] ${target.cluster}: ${withCode(code, message)}`
  try {
    const observation = await Promise.race([session.observe(target, deadline), aborted])
    // Errors a source returns read like errors it throws: which source, which cluster, its own code.
    return observation.kind === 'error' ? { ...observation, message: attributed(observation.code, observation.message) } : observation
  } catch (error) {
    if (deadline.aborted) return timedOut()
    const code = errorCode(error)
    return { kind: 'error', code, message: attributed(code, messageOf(error)) }
  } finally {
    deadline.removeEventListener('abort', onAbort)
  }
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
  return 'SourceError'
}

/** `AccessDenied: User ... is not authorized`, without repeating a code the message already names (`read ECONNRESET`). */
function withCode(code: string, message: string): string {
  return message.split(/[^\w.-]+/).includes(code) ? message : `${code}: ${message}`
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * A source package may bring its own copy of partner-drift, whose InputError is another class;
 * its located diagnostics must still reach the user, so the shape is checked, not the class.
 */
function isInputError(error: unknown): error is InputError {
  if (error instanceof InputError) return true
  const e = error as { name?: unknown; diagnostics?: unknown }
  return e?.name === 'InputError' && Array.isArray(e.diagnostics)
}
