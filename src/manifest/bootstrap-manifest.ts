import { yaml } from '../vendor/yaml.js'

import { clusterKey, type ClusterTarget } from '../model/cluster.js'
import { compareText } from '../model/compare-text.js'
import type { ClusterObservation } from '../model/observation.js'

/** Where the schema is in a project that has partner-drift installed, from a manifest at its root. */
const DEFAULT_SCHEMA_REFERENCE = './node_modules/partner-drift/schemas/manifest.schema.json'

/**
 * A manifest that declares exactly what was observed, for clusters nobody has declared yet:
 * `check` against the same state passes. Statuses other than Active are written out, so the
 * unhealthy state is visible in review rather than silently accepted by a default.
 * Clusters that were not observed are left out (the caller reports them).
 */
export function manifestFromObservations(targets: ClusterTarget[], observations: ReadonlyMap<string, ClusterObservation>, schemaReference = DEFAULT_SCHEMA_REFERENCE): string {
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
  // A path is one line of a comment: one with a line break (a directory name can hold one) is not used.
  const reference = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(schemaReference) ? DEFAULT_SCHEMA_REFERENCE : schemaReference
  const header = `# yaml-language-server: $schema=${reference}\n# Bootstrapped by partner-drift snapshot from the observed state; review before committing.\n`
  return header + yaml().stringify({ version: 1, clusters }, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' })
}
