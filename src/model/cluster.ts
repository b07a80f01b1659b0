/** Where a cluster lives: the three names that together identify it across accounts and regions. */
export interface ClusterIdentity {
  accountId: string
  region: string
  cluster: string
}

/** A cluster to observe, as the manifest declares it. */
export interface ClusterTarget extends ClusterIdentity {
  /** Role ARN to assume for this cluster's account, when the manifest or the command line gives one. */
  assumeRole?: string
}

/**
 * `account/region/cluster`: the one identity string of a cluster. Observations are keyed by it
 * and every report format names a cluster by it.
 */
export function clusterKey(c: ClusterIdentity): string {
  return `${c.accountId}/${c.region}/${c.cluster}`
}

/** `arn:aws:iam::{accountId}:role/x` for one account: the one place the placeholder is filled in. */
export function roleForAccount(roleArn: string, accountId: string): string {
  return roleArn.replaceAll('{accountId}', accountId)
}
