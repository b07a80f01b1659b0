import { resolve } from 'node:path'

import { clusterKey, defineSource, readDocument, readSnapshotDiscovery, readSnapshotObservations, SOURCE_CONTRACT_VERSION } from 'partner-drift'

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
    const discovery = readSnapshotDiscovery(doc)
    const notRecorded = (what: string) => ({
      kind: 'error' as const,
      code: 'NotInSnapshot',
      message: `${what} was not recorded in snapshot ${options.path}`,
      hint: 'record the snapshot again with partner-drift snapshot from this manifest',
    })
    return {
      async discover(scope) {
        return discovery?.scopes.get(`${scope.accountId}/${scope.region}`) ?? notRecorded(`discovery in account ${scope.accountId}, ${scope.region},`)
      },
      async listAccounts(request) {
        const recorded = discovery?.organization
        // Accounts listed for other OUs are not the accounts asked for.
        const same = recorded && JSON.stringify(recorded.ous ?? null) === JSON.stringify(request.ous ?? null)
        return same ? recorded.listing : notRecorded(`the organization's accounts${request.ous ? ` in ${request.ous.join(', ')}` : ''}`)
      },
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
