import { resolve } from 'node:path'

import { clusterKey, defineSource, readDocument, readSnapshotObservations, SOURCE_CONTRACT_VERSION } from 'partner-drift'

/**
 * The offline source: replays a snapshot file (recorded DescribePartners answers). Used for
 * the quick start, for reviews without cloud credentials, and to replay a recorded live run.
 */
export default defineSource<{ path: string }>({
  name: 'snapshot',
  version: '1.0.0',
  contractVersion: SOURCE_CONTRACT_VERSION,
  description: 'Recorded DescribePartners answers from a snapshot file (JSON or YAML)',
  options: {
    shorthand: 'path',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1, description: 'the snapshot file, e.g. snapshot:examples/snapshot.json' } },
    },
  },
  async open(options, context) {
    const doc = await readDocument(resolve(context.cwd, options.path), { displayName: options.path })
    const observations = readSnapshotObservations(doc)
    return {
      async observe(target) {
        return (
          observations.get(clusterKey(target)) ?? {
            kind: 'error',
            code: 'NotInSnapshot',
            message: `not captured in snapshot ${options.path} (account ${target.accountId}, ${target.region})`,
            hint: 'record it again with partner-drift snapshot, or check the cluster, account and region',
          }
        )
      },
    }
  },
})
