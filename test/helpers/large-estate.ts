/**
 * A large estate, generated deterministically: a YAML manifest and the JSON snapshot that
 * `check --source snapshot:FILE` replays, with every kind of drift sprinkled in at fixed
 * intervals. Used by the scale benchmark and by the test that proves large reports unchanged.
 */

/** Each cluster declares this many integrations: 2 databases x 5 partners. */
export const INTEGRATIONS_PER_CLUSTER = 10

const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444']
const REGIONS = ['eu-west-1', 'us-east-1']
const DATABASES = ['dev', 'ventes_été']
const PARTNERS = ['Fivetran', 'Stitch', 'Datacoral', 'Matillion', 'Hevo']
const CAPTURED_AT = '2026-11-24T10:00:00Z'

export interface EstateOptions {
  clusters: number
  /** Adds clusters that could not be observed (an access error, one not in the snapshot): the run is incomplete. */
  unobserved?: boolean
}

export interface Estate {
  manifest: string
  snapshot: string
  integrations: number
}

const clusterName = (i: number): string => `analytics-${String(i).padStart(6, '0')}`

/** Which drift cluster `i` carries: fixed, prime intervals so that kinds overlap now and then. */
const drifts = (i: number) => ({
  missing: i % 101 === 7,
  unhealthy: i % 103 === 11,
  extra: i % 107 === 13,
  forbidden: i % 109 === 17,
  stale: i % 113 === 19,
  extraDatabase: i % 127 === 23,
  duplicate: i % 131 === 29,
  notFound: i % 1009 === 5,
  hostileMessage: i % 997 === 3,
})

export function generateEstate(options: EstateOptions): Estate {
  const manifest: string[] = [
    '# yaml-language-server: $schema=./schemas/manifest.schema.json',
    'version: 1',
    'defaults:',
    '  maxStatusAge: 30d',
    '  absent: [Segment]',
    'policy:',
    '  stale: warn',
    'exceptions:',
    `  - cluster: "${clusterName(11)}"`,
    '    kind: unhealthy',
    '    reason: partner outage (DATA-1)',
    '    owner: data-platform@example.com',
    '    expires: 2099-12-31',
    '  - cluster: "no-such-cluster-*"',
    '    reason: matches nothing',
    '  - partner: Matillion',
    '    kind: extra',
    '    reason: expired long ago',
    '    expires: 2020-01-01',
    'clusters:',
  ]
  const snapshot: unknown[] = []
  for (let i = 0; i < options.clusters; i++) {
    const accountId = ACCOUNTS[i % ACCOUNTS.length]
    const region = REGIONS[Math.floor(i / ACCOUNTS.length) % REGIONS.length]
    const cluster = clusterName(i)
    const d = drifts(i)
    manifest.push(`  - cluster: ${cluster}`, `    accountId: "${accountId}"`, `    region: ${region}`)
    if (i % 10 === 1) manifest.push('    extra: warn')
    manifest.push('    databases:')
    const observed: Array<Record<string, string>> = []
    for (const [di, database] of DATABASES.entries()) {
      manifest.push(`      - database: ${database}`, '        partners:')
      for (const [pi, partner] of PARTNERS.entries()) {
        manifest.push(`          - partner: ${partner}`)
        if (pi === 1) manifest.push('            status: [Active, Inactive]')
        const first = di === 0 && pi === 0
        if (first && d.missing) continue
        const item: Record<string, string> = { DatabaseName: database, PartnerName: partner, Status: pi === 1 ? 'Inactive' : 'Active' }
        if (first && d.unhealthy) Object.assign(item, { Status: 'RuntimeFailure', StatusMessage: 'sync failed: credentials expired' })
        if (first && d.hostileMessage) Object.assign(item, { Status: 'ConnectionFailure', StatusMessage: 'ok\u001b[32m ✓ @team <b>|</b>\n::error::forged' })
        item.CreatedAt = '2026-01-01T00:00:00Z'
        item.UpdatedAt = first && d.stale ? '2026-08-01T00:00:00Z' : '2026-11-20T08:00:00Z'
        observed.push(item)
        if (first && d.duplicate) observed.push({ ...item, Status: 'Inactive' })
      }
    }
    const extra = (database: string, partner: string): void => {
      observed.push({ DatabaseName: database, PartnerName: partner, Status: 'Active', CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '2026-11-20T08:00:00Z' })
    }
    if (d.extra) extra('dev', 'Matillion-eu')
    if (d.forbidden) extra('ventes_été', 'Segment')
    if (d.extraDatabase) extra('__proto__', 'Fivetran')
    const base = { accountId, region, cluster }
    if (d.notFound) snapshot.push({ ...base, error: { code: 'ClusterNotFound', message: `Cluster ${cluster} not found.` } })
    else snapshot.push({ ...base, PartnerIntegrationInfoList: observed })
  }
  if (options.unobserved) {
    for (const [i, kind] of [[options.clusters, 'denied'], [options.clusters + 1, 'unrecorded']] as const) {
      const base = { accountId: ACCOUNTS[0], region: REGIONS[0], cluster: clusterName(i) }
      manifest.push(`  - cluster: ${base.cluster}`, `    accountId: "${base.accountId}"`, `    region: ${base.region}`, '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran')
      if (kind === 'denied') snapshot.push({ ...base, error: { code: 'AccessDenied', message: 'User is not authorized to perform redshift:DescribePartners', requestId: 'req-0001' } })
    }
  }
  return {
    manifest: manifest.join('\n') + '\n',
    snapshot: JSON.stringify({ version: 1, capturedAt: CAPTURED_AT, clusters: snapshot }, null, 2) + '\n',
    integrations: options.clusters * INTEGRATIONS_PER_CLUSTER,
  }
}
