import type { DesiredState } from '../manifest/desired-state.js'
import { assignShards, firstChoice, type Shard, scopeKey } from './assign-shards.js'

/** This shard's share of a check: which scopes it observes, and the declared work they hold. */
export interface ShardPlan {
  shard: Shard
  /** Whether this shard looks at an account and region. */
  inShard(scope: { accountId: string; region: string }): boolean
  /** The scopes the manifest names that fall to this shard, `account/region`, sorted. */
  scopes: string[]
  /** Their declared work (see assign-shards.ts). */
  work: number
}

/** Declared work per scope: a unit per cluster and per expected integration, one per discovery scope. */
export function declaredWork(desired: DesiredState): Map<string, number> {
  const work = new Map<string, number>()
  const add = (scope: { accountId: string; region: string }, units: number): void => {
    work.set(scopeKey(scope), (work.get(scopeKey(scope)) ?? 0) + units)
  }
  for (const c of desired.clusters) add(c, 1 + c.databases.reduce((n, d) => n + d.partners.length, 0))
  const settings = desired.discovery?.settings
  for (const accountId of settings?.accounts ?? []) for (const region of settings!.regions) add({ accountId, region }, 1)
  return work
}

export function shardPlanOf(desired: DesiredState, shard: Shard): ShardPlan {
  const work = declaredWork(desired)
  const assigned = assignShards(work, shard.count)
  const scopes = [...assigned].filter(([, s]) => s === shard.index).map(([key]) => key)
  return {
    shard,
    inShard: (scope) => (assigned.get(scopeKey(scope)) ?? firstChoice(scope, shard.count)) === shard.index,
    scopes: scopes.sort(),
    work: scopes.reduce((n, key) => n + work.get(key)!, 0),
  }
}
