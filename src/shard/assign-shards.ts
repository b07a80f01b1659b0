/**
 * Splitting one check into N disjoint shards, decided from the manifest alone (no API call):
 * the unit is an (account, region) scope, so per-account throttling and credentials are never
 * split across machines.
 *
 * Assignment is consistent hashing with bounded loads (rendezvous hashing, then a cap): each
 * scope ranks the shards by a hash of (scope, shard) and goes to the first one whose declared
 * work stays within 125 % of the average. Declared work is what the manifest names in a scope:
 * one unit per cluster and one per expected integration, and one per discovery scope for the
 * DescribeClusters calls. Adding an entry moves no other scope unless it fills a shard, and then
 * only scopes that first preferred that shard. Scopes only discovery can know (the accounts of an
 * organization) go to their first-ranked shard, whatever the others hold: every shard lists the
 * organization itself, and such a scope must land in exactly one shard even if two listings differ.
 */

import { compareText } from '../model/compare-text.js'
import { sha256 } from '../model/node-crypto.js'

/** `--shard I/N`, 1-based as CI matrices count. */
export interface Shard {
  index: number
  count: number
}

/** How much the fullest shard may hold over the average before a scope moves to its next choice. */
const LOAD_BOUND = 1.25
export const MAX_SHARDS = 256

/** `3/4` -> { index: 3, count: 4 }, or what is wrong with it. */
export function parseShard(text: string): Shard | { problem: string } {
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim())
  if (!m) return { problem: `--shard ${JSON.stringify(text)} is not I/N (e.g. 2/4)` }
  const [index, count] = [Number(m[1]), Number(m[2])]
  if (count < 1 || count > MAX_SHARDS) return { problem: `--shard ${text}: N must be 1 to ${MAX_SHARDS}` }
  if (index < 1 || index > count) return { problem: `--shard ${text}: I must be 1 to ${count} (shards count from 1, as CI matrices do)` }
  return { index, count }
}

export function scopeKey(scope: { accountId: string; region: string }): string {
  return `${scope.accountId}/${scope.region}`
}

/** The shards in the order this scope prefers them (1-based). */
function ranking(key: string, count: number): number[] {
  const weight = (shard: number): bigint => sha256(`${key}\u0000${shard}`).readBigUInt64BE(0)
  const weights = Array.from({ length: count }, (_, i) => ({ shard: i + 1, w: weight(i + 1) }))
  return weights.sort((a, b) => (a.w === b.w ? a.shard - b.shard : a.w > b.w ? -1 : 1)).map((x) => x.shard)
}

/** Where a scope the manifest does not know goes: its first-ranked shard. */
export function firstChoice(scope: { accountId: string; region: string }, count: number): number {
  return ranking(scopeKey(scope), count)[0]!
}

/**
 * The shard of every scope the manifest names, keyed by `account/region`. Deterministic: the same
 * manifest and N give the same assignment on every machine.
 */
export function assignShards(work: ReadonlyMap<string, number>, count: number): Map<string, number> {
  const keys = [...work.keys()].sort(compareText)
  const total = keys.reduce((n, k) => n + work.get(k)!, 0)
  const capacity = Math.max(Math.ceil((LOAD_BOUND * total) / count), ...keys.map((k) => work.get(k)!))
  const load = new Array<number>(count + 1).fill(0)
  const assigned = new Map<string, number>()
  for (const key of keys) {
    const units = work.get(key)!
    const order = ranking(key, count)
    // With the cap at least the largest scope and 125 % of the average, a shard with room always exists
    // but for rounding; then the least loaded takes it.
    const shard = order.find((s) => load[s]! + units <= capacity) ?? order.reduce((best, s) => (load[s]! < load[best]! ? s : best))
    load[shard]! += units
    assigned.set(key, shard)
  }
  return assigned
}
