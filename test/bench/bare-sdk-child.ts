/**
 * The stack's own ceiling, for the live benchmark: N DescribePartners calls through the AWS SDK
 * and p-limit alone, as a user would script them, with no manifest, checks or report. Clusters
 * and sockets as the CLI has them (`liveEstate`, one client per region, an agent with a socket for
 * each call under way), so that the CLI's wall time can be read against what the SDK and Node's
 * HTTP client allow on this machine at the same concurrency.
 *
 *   node dist/test/bench/bare-sdk-child.js ENDPOINT N C
 */
import { createRequire } from 'node:module'

import pLimit from 'p-limit'

import { estateClusters } from './live-estate.js'

const [endpoint, n, concurrency] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])]
// Loaded as the aws source loads it: with require(), the SDK's packages being CommonJS.
const { RedshiftClient, DescribePartnersCommand } = createRequire(import.meta.url)('@aws-sdk/client-redshift') as typeof import('@aws-sdk/client-redshift')

const agent = { keepAlive: true, maxSockets: Math.max(50, concurrency) }
const clients = new Map<string, InstanceType<typeof RedshiftClient>>()
const clientFor = (region: string) => {
  let client = clients.get(region)
  if (!client) clients.set(region, (client = new RedshiftClient({ region, endpoint, requestHandler: { httpAgent: agent, httpsAgent: agent } })))
  return client
}
const limit = pLimit(concurrency)
const answers = await Promise.all(
  estateClusters(n).map((c) => limit(() => clientFor(c.region).send(new DescribePartnersCommand({ AccountId: c.accountId, ClusterIdentifier: c.cluster })))),
)
const integrations = answers.reduce((sum, answer) => sum + (answer.PartnerIntegrationInfoList?.length ?? 0), 0)
console.log(JSON.stringify({ calls: answers.length, integrations }))
