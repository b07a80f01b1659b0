/**
 * A client-side rate limiter that learns the request rate an API allows, shared by every
 * concurrent call to one account and region (see describe-partners.ts).
 *
 * Why not the SDK's adaptive retry mode: its limiter (CUBIC on a per-client token bucket) cuts
 * the rate to almost nothing on the first burst of throttling and then climbs back slowly;
 * against a server allowing 100 requests per second it used 60-63 % of that. This one is AIMD
 * with the decrease anchored to what the server accepted:
 *  - until the first throttled answer nothing is paced (most accounts are never throttled);
 *  - a throttled answer lowers the rate to `decrease` x the accepted rate (successes over the
 *    last second), or x the current rate (before any throttling: the rate requests were sent
 *    at) if that is lower. Only an answer to a request sent after the last decrease counts,
 *    so one burst of throttled answers lowers the rate once per round trip, not once per answer;
 *  - every success raises the rate by `increasePerSecond / rate`: about `increasePerSecond`
 *    per second at full speed (additive increase), where `increasePerSecond` is a fraction of
 *    the rate learned at the last decrease, so a small and a large quota are probed equally
 *    fast relative to their size.
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
  /** Multiplicative decrease on throttling (default 0.8). */
  decrease?: number
  /** Additive increase per second, as a fraction of the rate learned at the last decrease (default 0.1). */
  increase?: number
  /** The rate never falls below this, in requests per second (default 0.5). */
  minRate?: number
  clock?: LimiterClock
}

/** How far back sends and successes count towards the rates they are measured at. */
const RATE_WINDOW_MS = 1000

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
  /** When the first request was let through: the rates are measured from there at the start. */
  private startedAt: number | undefined
  private readonly sends = new RecentEvents()
  private readonly successes = new RecentEvents()
  private readonly waiting: Waiter[] = []
  private cancelTimer: (() => void) | undefined
  private closed = false

  constructor(options: AdaptiveRateLimiterOptions = {}) {
    this.decrease = options.decrease ?? 0.8
    this.increase = options.increase ?? 0.1
    this.minRate = options.minRate ?? 0.5
    this.clock = options.clock ?? systemClock
    if (!(this.decrease > 0 && this.decrease < 1)) throw new RangeError(`decrease must be between 0 and 1, not ${this.decrease}`)
    if (!(this.increase > 0)) throw new RangeError(`increase must be positive, not ${this.increase}`)
    if (!(this.minRate > 0)) throw new RangeError(`minRate must be positive, not ${this.minRate}`)
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
    this.successes.add(this.clock.now())
    if (this.rate !== undefined) this.rate += this.increasePerSecond / this.rate
  }

  /** A request sent at `sentAt` (what `acquire` resolved with) was throttled. */
  throttled(sentAt: number): void {
    // Sent before the last decrease: the rate it was sent at is already corrected.
    if (sentAt < this.lastDecreaseAt) return
    const now = this.clock.now()
    const since = Math.max(now - RATE_WINDOW_MS, this.startedAt ?? now)
    // No success yet says nothing about the allowed rate (the first answers of a burst may all
    // be throttled), nor does a window with no request sent: each counts only when it counted something.
    const current = this.rate ?? (this.sends.perSecond(since, now) || Number.POSITIVE_INFINITY)
    const base = Math.min(current, this.successes.perSecond(since, now) || Number.POSITIVE_INFINITY)
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
      // At most one slot of catch-up after an idle spell: no burst.
      this.nextSendAt = Math.max(this.nextSendAt, now - interval) + interval
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

/** Times of recent events (within RATE_WINDOW_MS), counted per second. */
class RecentEvents {
  private readonly times: number[] = []
  private from = 0

  add(at: number): void {
    this.times.push(at)
    this.forget(at)
  }

  /** Events per second from `since` (at most RATE_WINDOW_MS back) to `now`; undefined for an empty span. */
  perSecond(since: number, now: number): number | undefined {
    this.forget(now)
    const elapsed = now - since
    if (elapsed <= 0) return undefined
    let count = 0
    for (let i = this.times.length - 1; i >= this.from && this.times[i]! >= since; i--) count++
    return (count * 1000) / elapsed
  }

  private forget(now: number): void {
    while (this.from < this.times.length && this.times[this.from]! < now - RATE_WINDOW_MS) this.from++
    if (this.from > 1024) {
      this.times.splice(0, this.from)
      this.from = 0
    }
  }
}
