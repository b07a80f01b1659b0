import { stringify } from '../vendor/yaml.js'

import { clusterKey, type ClusterTarget } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { ClusterObservation } from '../model/observation.js'

/**
 * A manifest that declares exactly what was observed, for clusters nobody has declared yet:
 * `check` against the same state passes. Statuses other than Active are written out, so the
 * unhealthy state is visible in review rather than silently accepted by a default.
 * Clusters that were not observed are left out (the caller reports them).
 */
export function manifestFromObservations(targets: ClusterTarget[], observations: ReadonlyMap<string, ClusterObservation>): string {
  const clusters = []
  for (const target of targets) {
    const observation = observations.get(clusterKey(target))
    if (observation?.kind !== 'observed') continue
    const databases = new Map<string, Array<Record<string, string>>>()
    for (const i of [...observation.integrations].sort((a, b) => compareText(a.partner, b.partner))) {
      const partners = databases.get(i.database) ?? []
      partners.push(i.status === 'Active' ? { partner: i.partner } : { partner: i.partner, status: i.status })
      databases.set(i.database, partners)
    }
    clusters.push({
      cluster: target.cluster,
      accountId: target.accountId,
      region: target.region,
      databases: [...databases.keys()].sort(compareText).map((database) => ({ database, partners: databases.get(database) })),
    })
  }
  const header = '# yaml-language-server: $schema=https://github.com/partner-drift/partner-drift/schemas/manifest.schema.json\n# Bootstrapped by partner-drift snapshot from the observed state; review before committing.\n'
  return header + stringify({ version: 1, clusters }, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' })
}
