/**
 * A client-side rate limiter that learns the request rate an API allows, shared by every
 * concurrent call to one account and region (see describe-partners.ts).
 *
 * Why not the SDK's adaptive retry mode: its limiter (CUBIC on a per-client token bucket) cuts
 * the rate to almost nothing on the first burst of throttling and then climbs back slowly;
 * against a server allowing 100 requests per second it used 60-63 % of that. This one is AIMD
 * with the decrease anchored to what the server accepted:
 *  - until the first throttled answer nothing is paced (most accounts are never throttled);
 *  - a throttled answer lowers the rate to `decrease` x the rate requests were sent at (the
 *    paced rate; before any pacing, the burst sent during the throttled one's round trip), or
 *    x the accepted rate (the latest 20 successes, or all within the last second if fewer) if
 *    that is lower: when the API throttles, what it accepted is what it allows. A client too
 *    busy to take its answers (short of CPU) measures a low accepted rate too, so one decrease
 *    of a paced rate never goes below `decrease` x `decrease` of it. Only an answer to a
 *    request sent after the last decrease counts, so one burst of throttled answers lowers the
 *    rate once per round trip, not once per answer;
 *  - while the rate holds requests back, every success raises it by `step / rate`: about
 *    `step` per second at full speed (additive increase). The step is a fraction (`increase`)
 *    of the rate learned at the last decrease, so a small and a large quota are probed equally
 *    fast relative to their size, and it doubles with every quarter second without a throttled
 *    answer, so a rate learned too low is left within seconds, while near the limit, where
 *    throttling comes back within a second or so, it stays small. A rate that holds nothing
 *    back is not raised (it would grow without bound and mean nothing).
 * Requests are released one per 1/rate seconds, first come first served; a waiting request
 * leaves the queue when its signal aborts (the run's deadline).
 */

/** The time source, replaceable so tests run on a fake clock. */
export interface LimiterClock {
  /** Milliseconds, monotonic. */
  now(): number
  /** Calls `fn` after `ms`; returns what cancels it. */
  setTimer(fn: () => void, ms: number): () => void
}

export const systemClock: LimiterClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms)
    return () => clearTimeout(timer)
  },
}

export interface AdaptiveRateLimiterOptions {
  /** Multiplicative decrease on throttling (default 0.9). */
  decrease?: number
  /** Additive increase per second, as a fraction of the rate learned at the last decrease (default 0.1). */
  increase?: number
  /** The rate never falls below this, in requests per second (default 0.5). */
  minRate?: number
  /**
   * Pace from the first request at this rate, for an API whose quota is documented (CloudTrail
   * LookupEvents: 2 per second per account and region); default: nothing is paced until throttled.
   */
  initialRate?: number
  clock?: LimiterClock
}

/** The increase step doubles every this long without a throttled answer, at most MAX_STEP_DOUBLINGS times (1024 x). */
const STEP_DOUBLING_MS = 250
const MAX_STEP_DOUBLINGS = 10
/** A rate that held a request back this recently is the limit, and may be raised. */
const LIMITING_MS = 1000
/** How far behind its schedule pacing may catch up. */
const CATCH_UP_MS = 100
/** How far back successes count towards the accepted rate. */
const ACCEPTED_WINDOW_MS = 1000
/** How many of the latest successes make the accepted rate: few at a low rate, a short span at a high one. */
const ACCEPTED_SAMPLE = 20

interface Waiter {
  resolve: (sentAt: number) => void
  reject: (reason: unknown) => void
  signal?: AbortSignal
  onAbort?: () => void
}

export class AdaptiveRateLimiter {
  private readonly decrease: number
  private readonly increase: number
  private readonly minRate: number
  private readonly clock: LimiterClock
  /** Requests per second; undefined until the first throttled answer: nothing is paced then. */
  private rate: number | undefined
  private increasePerSecond = 0
  private nextSendAt = 0
  private lastDecreaseAt = Number.NEGATIVE_INFINITY
  /** When a request last had to wait for its turn. */
  private heldBackAt = Number.NEGATIVE_INFINITY
  /** When the first request was let through: rates are measured from there at the start. */
  private startedAt: number | undefined
  private readonly sends = new RecentEvents()
  private readonly successes = new RecentEvents()
  private readonly waiting: Waiter[] = []
  private cancelTimer: (() => void) | undefined
  private closed = false

  constructor(options: AdaptiveRateLimiterOptions = {}) {
    this.decrease = options.decrease ?? 0.9
    this.increase = options.increase ?? 0.1
    this.minRate = options.minRate ?? 0.5
    this.clock = options.clock ?? systemClock
    if (!(this.decrease > 0 && this.decrease < 1)) throw new RangeError(`decrease must be between 0 and 1, not ${this.decrease}`)
    if (!(this.increase > 0)) throw new RangeError(`increase must be positive, not ${this.increase}`)
    if (!(this.minRate > 0)) throw new RangeError(`minRate must be positive, not ${this.minRate}`)
    if (options.initialRate !== undefined) {
      if (!(options.initialRate >= this.minRate && Number.isFinite(options.initialRate))) throw new RangeError(`initialRate must be a finite rate of at least minRate, not ${options.initialRate}`)
      this.rate = options.initialRate
    }
  }

  /** The learned rate in requests per second; undefined while nothing was throttled. */
  get requestsPerSecond(): number | undefined {
    return this.rate
  }

  /**
   * Waits for this request's turn; resolves with the time it may be sent (pass it to
   * `throttled`). Rejects with the signal's reason when the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.closed) return Promise.reject(new Error('the rate limiter is closed'))
    const now = this.clock.now()
    if (this.waiting.length === 0 && this.takeSlot(now)) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      this.heldBackAt = now
      const waiter: Waiter = { resolve, reject }
      if (signal) {
        waiter.signal = signal
        waiter.onAbort = () => {
          const at = this.waiting.indexOf(waiter)
          if (at >= 0) this.waiting.splice(at, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.waiting.push(waiter)
      if (!this.cancelTimer) this.release()
    })
  }

  /** A request was answered without throttling. */
  succeeded(): void {
    const now = this.clock.now()
    this.successes.add(now)
    // Only a rate that held requests back lately is raised: one that is not reached (the client is
    // slower, or has little left to send) would otherwise grow without bound and mean nothing.
    if (this.rate === undefined || now - this.heldBackAt > LIMITING_MS) return
    const doublings = Math.min(MAX_STEP_DOUBLINGS, Math.floor((now - this.lastDecreaseAt) / STEP_DOUBLING_MS))
    this.rate += (this.increasePerSecond * 2 ** doublings) / this.rate
  }

  /** A request sent at `sentAt` (what `acquire` resolved with) was throttled. */
  throttled(sentAt: number): void {
    // Sent before the last decrease: the rate it was sent at is already corrected.
    if (sentAt < this.lastDecreaseAt) return
    const now = this.clock.now()
    const window = Math.max(now - ACCEPTED_WINDOW_MS, this.startedAt ?? now)
    // No success yet says nothing about the allowed rate (the first answers of a burst may all be throttled).
    const accepted = this.successes.perSecondOfLatest(ACCEPTED_SAMPLE, window, now) ?? Number.POSITIVE_INFINITY
    let base: number
    if (this.rate === undefined) {
      // Before any pacing: the requests sent during the throttled one's round trip, a burst.
      base = Math.min(this.sends.perSecondSince(sentAt, now) ?? Number.POSITIVE_INFINITY, accepted)
    } else {
      // Never more than one extra `decrease` below the paced rate, though: a client too busy to
      // take its answers (short of CPU) measures a low accepted rate too.
      base = Math.max(this.decrease * this.rate, Math.min(this.rate, accepted))
    }
    const learned = Number.isFinite(base) ? Math.max(this.minRate, base * this.decrease) : this.minRate
    this.rate = learned
    this.increasePerSecond = Math.max(this.minRate, learned * this.increase)
    this.lastDecreaseAt = now
    // A pause of one slot at the new rate before the next request.
    this.nextSendAt = Math.max(this.nextSendAt, now) + 1000 / learned
    this.schedule()
  }

  /** Rejects every waiting request; later ones are refused. */
  close(): void {
    this.closed = true
    this.cancelTimer?.()
    this.cancelTimer = undefined
    for (const waiter of this.waiting.splice(0)) {
      if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort)
      waiter.reject(new Error('the rate limiter is closed'))
    }
  }

  /** Takes the next send slot if it is due; paced from the previous slot so timer lateness does not lower the rate. */
  private takeSlot(now: number): boolean {
    if (this.rate !== undefined) {
      if (now < this.nextSendAt) return false
      const interval = 1000 / this.rate
      // Slots missed by a late timer (a busy event loop) are made up, but no more than
      // CATCH_UP_MS (or one slot) of them: after an idle spell that is a small burst, not a flood.
      this.nextSendAt = Math.max(this.nextSendAt, now - Math.max(interval, CATCH_UP_MS)) + interval
    }
    this.startedAt ??= now
    this.sends.add(now)
    return true
  }

  private schedule(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
    this.release()
  }

  private release(): void {
    const now = this.clock.now()
    while (this.waiting.length > 0 && this.takeSlot(now)) {
      const waiter = this.waiting.shift()!
      if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort)
      waiter.resolve(now)
    }
    if (this.waiting.length > 0) {
      this.cancelTimer = this.clock.setTimer(() => {
        this.cancelTimer = undefined
        this.release()
      }, Math.max(0, this.nextSendAt - now))
    }
  }
}

/** Times of recent events (sends or successes), oldest first; those older than ACCEPTED_WINDOW_MS are forgotten. */
class RecentEvents {
  private readonly times: number[] = []
  private from = 0

  add(at: number): void {
    this.times.push(at)
    this.forget(at)
  }

  /** Events per second from `since` to `now`; undefined for an empty span or none in it. */
  perSecondSince(since: number, now: number): number | undefined {
    this.forget(now)
    let count = 0
    for (let i = this.times.length - 1; i >= this.from && this.times[i]! >= since; i--) count++
    return now > since && count > 0 ? (count * 1000) / (now - since) : undefined
  }

  /** Events per second over the span of the latest `sample` events after `since` (up to `now`); undefined with none. */
  perSecondOfLatest(sample: number, since: number, now: number): number | undefined {
    this.forget(now)
    // Fewer than `sample` events: over all of the span since `since`, so a few events close
    // together (the first answers of a burst) do not read as a high rate.
    const from = this.times.length - this.from > sample ? Math.max(since, this.times[this.times.length - sample]!) : since
    return this.perSecondSince(from, now)
  }

  private forget(now: number): void {
    while (this.from < this.times.length && this.times[this.from]! < now - ACCEPTED_WINDOW_MS) this.from++
    if (this.from > 1024) {
      this.times.splice(0, this.from)
      this.from = 0
    }
  }
}
