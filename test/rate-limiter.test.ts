import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { AdaptiveRateLimiter, type LimiterClock } from '../plugins/aws/rate-limiter.js'

/**
 * The aws source's rate limiter (AIMD) on a fake clock: pacing, decrease, increase, abort, and a
 * simulated token-bucket server it must learn, all without waiting real time.
 */
const limiter = suite('rate limiter')

/** A clock whose time moves only when told; timers fire in time order, each followed by the promise jobs it caused. */
class FakeClock implements LimiterClock {
  private time = 0
  private readonly timers: Array<{ at: number; fn: () => void; id: number }> = []
  private ids = 0

  now(): number {
    return this.time
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, fn, id: this.ids++ }
    this.timers.push(timer)
    return () => {
      const at = this.timers.indexOf(timer)
      if (at >= 0) this.timers.splice(at, 1)
    }
  }

  /** Runs every timer due by `now + ms`, in order, then sets the time there. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms
    for (;;) {
      await settled()
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.timers[0]
      if (!next || next.at > until) break
      this.timers.shift()
      this.time = Math.max(this.time, next.at)
      next.fn()
    }
    this.time = until
    await settled()
  }
}

/** What `promise` rejected with, as text; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return String(error)
  }
  assert.unreachable('expected a rejection')
  return ''
}

/** Lets every pending promise job run (a macrotask comes after all of them). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Resolved times of `count` acquire() calls made at once, after `ms` of fake time. */
async function releaseTimes(clock: FakeClock, rateLimiter: AdaptiveRateLimiter, count: number, ms: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) void rateLimiter.acquire().then(() => times.push(clock.now()))
  await clock.advance(ms)
  return times
}

limiter('limiter :: nothing is paced before the first throttled answer', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock })
  assert.equal(await releaseTimes(clock, rateLimiter, 50, 0), Array(50).fill(0))
  assert.is(rateLimiter.requestsPerSecond, undefined)
})

limiter('limiter :: a throttled answer sets decrease x the accepted rate, and requests are paced at it', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  // 40 sent and 20 accepted in the first 500 ms: 80 sent and 40 accepted per second.
  const sent = await releaseTimes(clock, rateLimiter, 40, 0)
  for (let i = 0; i < 20; i++) {
    rateLimiter.succeeded()
    await clock.advance(25)
  }
  rateLimiter.throttled(sent[0]!)
  assert.is(rateLimiter.requestsPerSecond, 20)
  const times = await releaseTimes(clock, rateLimiter, 5, 1000)
  // One slot (50 ms) of pause after the decrease, then one request every 50 ms.
  assert.equal(times.map((t) => t - 500), [50, 100, 150, 200, 250])
})

limiter('limiter :: a low accepted rate (a busy client) cuts a paced rate by at most decrease x decrease', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  const burst = await releaseTimes(clock, rateLimiter, 100, 1000) // 100 per second sent, nothing accepted
  rateLimiter.throttled(burst[0]!)
  assert.is(rateLimiter.requestsPerSecond, 50)
  const paced = await releaseTimes(clock, rateLimiter, 50, 1000)
  rateLimiter.succeeded() // 1 per second accepted
  const before = rateLimiter.requestsPerSecond!
  rateLimiter.throttled(paced[paced.length - 1]!)
  assert.is(rateLimiter.requestsPerSecond, 0.25 * before, '0.5 x max(0.5 x rate, 1)')
})

limiter('limiter :: before any success, the decrease is from the rate requests were sent at', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  const sent = await releaseTimes(clock, rateLimiter, 10, 100) // 10 sent at once, 100 ms ago
  rateLimiter.throttled(sent[0]!)
  assert.is(rateLimiter.requestsPerSecond, 50, '10 sends in 100 ms is 100 per second; half of it')
})

limiter('limiter :: one decrease per round trip: answers to requests sent before it do not lower the rate again', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  const burst = await releaseTimes(clock, rateLimiter, 10, 100)
  rateLimiter.throttled(burst[0]!)
  const learned = rateLimiter.requestsPerSecond
  for (const sentAt of burst.slice(1)) rateLimiter.throttled(sentAt)
  assert.is(rateLimiter.requestsPerSecond, learned)
  const [after] = await releaseTimes(clock, rateLimiter, 1, 1000)
  rateLimiter.throttled(after!)
  assert.ok(rateLimiter.requestsPerSecond! < learned!, 'a request sent after the decrease that is throttled lowers it again')
})

limiter('limiter :: while it holds requests back, every success adds increase x learned / rate: about increase x learned per second', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5, increase: 0.1 })
  const sent = await releaseTimes(clock, rateLimiter, 100, 1000) // 100 per second sent
  rateLimiter.throttled(sent[0]!)
  assert.is(rateLimiter.requestsPerSecond, 50)
  void rateLimiter.acquire() // held back: the next slot is 20 ms away
  for (let i = 0; i < 50; i++) rateLimiter.succeeded() // one second's worth at 50/s
  // +5/50 at first, a little less as the rate grows.
  assert.ok(rateLimiter.requestsPerSecond! > 54.5 && rateLimiter.requestsPerSecond! < 55, `${rateLimiter.requestsPerSecond}`)
})

limiter('limiter :: the step doubles every quarter second without a throttled answer', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5, increase: 0.1 })
  const sent = await releaseTimes(clock, rateLimiter, 100, 1000)
  rateLimiter.throttled(sent[0]!)
  await releaseTimes(clock, rateLimiter, 60, 500) // held back all along: 50 per second
  rateLimiter.succeeded()
  assert.is(rateLimiter.requestsPerSecond, 50 + (5 * 4) / 50, 'two doublings: 4 x the step')
})

limiter('limiter :: a rate that holds nothing back is not raised', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  const sent = await releaseTimes(clock, rateLimiter, 100, 1000)
  rateLimiter.throttled(sent[0]!)
  await releaseTimes(clock, rateLimiter, 1, 2000) // one request in two seconds: never held back past the first slot
  for (let i = 0; i < 100; i++) rateLimiter.succeeded()
  assert.is(rateLimiter.requestsPerSecond, 50)
})

limiter('limiter :: the rate never falls below minRate', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5, minRate: 2 })
  for (let i = 0; i < 20; i++) {
    const [sentAt] = await releaseTimes(clock, rateLimiter, 1, 1000)
    rateLimiter.throttled(sentAt!)
  }
  assert.is(rateLimiter.requestsPerSecond, 2)
})

limiter('limiter :: a waiting request leaves the queue when its signal aborts, with the signal\'s reason', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock, decrease: 0.5 })
  const sent = await releaseTimes(clock, rateLimiter, 2, 1000) // 2 per second
  rateLimiter.throttled(sent[0]!) // 1 per second: the next slot is 1 s away
  const controller = new AbortController()
  const waiting = rateLimiter.acquire(controller.signal)
  const next = rateLimiter.acquire()
  controller.abort(new Error('deadline'))
  assert.match(await rejection(waiting), /deadline/)
  await clock.advance(1000)
  assert.is(await next, 2000, 'the request behind it moves up')
  assert.match(await rejection(rateLimiter.acquire(AbortSignal.abort(new Error('already')))), /already/)
})

limiter('limiter :: close() refuses every waiting request and later ones', async () => {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock })
  rateLimiter.throttled(await rateLimiter.acquire())
  const waiting = [rateLimiter.acquire(), rateLimiter.acquire()]
  rateLimiter.close()
  for (const reason of await Promise.all(waiting.map(rejection))) assert.match(reason, /closed/)
  assert.match(await rejection(rateLimiter.acquire()), /closed/)
})

/**
 * C workers against a simulated server: a token bucket of R per second (burst R/10), answers
 * after L ms, a throttled request retried through the limiter. Returns successes per second
 * over the last `measureMs` and the rate learned at the end.
 */
async function simulate(R: number, C: number, L: number, runMs: number, measureMs: number): Promise<{ achieved: number; learned: number | undefined }> {
  const clock = new FakeClock()
  const rateLimiter = new AdaptiveRateLimiter({ clock })
  const burst = Math.max(1, R / 10)
  let tokens = burst
  let refilledAt = 0
  let successesMeasured = 0
  let stop = false
  const worker = async (): Promise<void> => {
    while (!stop) {
      const sentAt = await rateLimiter.acquire()
      const now = clock.now()
      tokens = Math.min(burst, tokens + ((now - refilledAt) * R) / 1000)
      refilledAt = now
      const allowed = tokens >= 1
      if (allowed) tokens -= 1
      await new Promise<void>((resolve) => clock.setTimer(resolve, L))
      if (allowed) {
        rateLimiter.succeeded()
        if (clock.now() > runMs - measureMs) successesMeasured++
      } else {
        rateLimiter.throttled(sentAt)
      }
    }
  }
  // A worker waiting at the limiter when it closes ends there.
  const workers = Array.from({ length: C }, () => worker().catch(() => undefined))
  await clock.advance(runMs)
  stop = true
  rateLimiter.close()
  await clock.advance(L)
  await Promise.all(workers)
  return { achieved: successesMeasured / (measureMs / 1000), learned: rateLimiter.requestsPerSecond }
}

for (const [R, C] of [
  [20, 16],
  [20, 64],
  [100, 16],
  [100, 64],
] as const) {
  limiter(`limiter :: against a ${R}/s token bucket at concurrency ${C}, it learns the rate and uses at least 80 % of it`, async () => {
    const { achieved, learned } = await simulate(R, C, 50, 20_000, 15_000)
    assert.ok(achieved >= 0.8 * R && achieved <= R * 1.01, `achieved ${achieved.toFixed(1)}/s of ${R}/s`)
    assert.ok(learned !== undefined && learned > 0.6 * R && learned < 1.3 * R, `learned ${learned}/s for ${R}/s`)
  })
}

limiter.run()
