/**
 * The one registry of finding kinds. Every fact about a kind lives in its entry, and the registry
 * is typed `Record<FindingKind, ...>`: a kind added to `FINDING_KINDS` without an entry does not
 * compile, and neither does a `switch` over kinds that forgets it.
 */

/** The diff's kinds, then the policy's own: exceptions that expired, expire soon or matched nothing. Also the order findings of one place are listed in. */
export const FINDING_KINDS = ['missing', 'extra', 'unmanaged', 'forbidden', 'unhealthy', 'stale', 'error', 'expired-exception', 'expiring-exception', 'unused-exception', 'unused-rule'] as const
export type FindingKind = (typeof FINDING_KINDS)[number]
export type Severity = 'fail' | 'warn'

export interface FindingKindInfo {
  /** The `terraform plan`-like mark of the text and diff formats: `+` to add, `-` to remove, `~` to repair. */
  symbol: string
  /** PascalCase, for SARIF `rule.name`. */
  name: string
  /** One sentence, no trailing period. */
  title: string
  /** What the finding means. */
  description: string
  /** How such findings are fixed in general; each finding carries its exact remediation. */
  help: string
  defaultSeverity: Severity
  /** Whether the manifest's `policy`, `--fail-on` and exceptions may change or accept findings of this kind. */
  policy: boolean
  /** `integration`: about a cluster's integrations, listed under their cluster; `exception`, `rule`: about an entry of the manifest, listed apart. */
  group: 'integration' | 'exception' | 'rule'
  /** Its count in the report's summary. */
  summaryKey: string
}

export const FINDING_KIND_INFO = {
  missing: {
    symbol: '+',
    name: 'MissingPartnerIntegration',
    title: 'Declared partner integration is missing',
    description: 'The manifest declares this partner integration, but Redshift does not list it for the database, or the cluster itself does not exist.',
    help: 'Create the integration with `aws redshift add-partner` or a Terraform `aws_redshift_partner` resource, then finish the setup in the partner console; or remove the entry from the manifest. When the cluster does not exist, correct the cluster, accountId or region in the manifest.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'missing',
  },
  extra: {
    symbol: '-',
    name: 'UndeclaredPartnerIntegration',
    title: 'Partner integration is not declared in the manifest',
    description: 'Redshift lists a partner integration that the manifest does not declare for this database.',
    help: 'Delete the integration with `aws redshift delete-partner` if nobody needs it, or declare it in the manifest (a `- partner:` entry under the database) to accept it. The cluster or database `extra:` setting chooses whether undeclared integrations fail, warn or are ignored.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'extra',
  },
  unmanaged: {
    symbol: '-',
    name: 'UnmanagedPartnerIntegration',
    title: 'Partner integration on a cluster nothing in the manifest covers',
    description: 'Discovery found this cluster, no rule selects it and no `clusters:` entry names it, and Redshift lists a partner integration on it.',
    help: 'Write a rule (or a `clusters:` entry) that covers the cluster and says what it should have, or delete the integration with `aws redshift delete-partner`. The manifest\'s `unmanaged:` setting chooses whether such integrations fail, warn or are ignored.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'unmanaged',
  },
  forbidden: {
    symbol: '-',
    name: 'ForbiddenPartnerIntegration',
    title: 'Partner integration is listed as absent',
    description: 'Redshift lists a partner integration that the manifest forbids through an `absent:` list.',
    help: 'Delete the integration with `aws redshift delete-partner`, or take the partner off the `absent:` list if it is now allowed.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'forbidden',
  },
  unhealthy: {
    symbol: '~',
    name: 'UnhealthyPartnerIntegration',
    title: 'Partner integration reports an unexpected status',
    description: 'The integration exists, but the status the partner last reported is not one the manifest accepts.',
    help: 'The status is pushed to Redshift by the partner, so Redshift cannot repair it: open the partner console, fix the connection (the status message says what failed), and the partner reports the new status itself.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'unhealthy',
  },
  stale: {
    symbol: '~',
    name: 'StalePartnerStatus',
    title: 'Partner integration status is older than allowed',
    description: 'The integration reports an accepted status, but the partner has not updated it within `maxStatusAge`, so it may no longer be true.',
    help: 'The partner pushes the status: check in the partner console that the integration is still running and reporting to Redshift.',
    defaultSeverity: 'fail',
    policy: true,
    group: 'integration',
    summaryKey: 'stale',
  },
  error: {
    symbol: '!',
    name: 'ClusterNotObserved',
    title: 'Cluster could not be observed',
    description: 'The source could not read the partner integrations of this cluster, so nothing about it could be checked.',
    help: 'Fix the cause named in the message (permissions such as the IAM action `redshift:DescribePartners`, credentials, network, throttling) and run again. An unobserved cluster never counts as in sync.',
    defaultSeverity: 'fail',
    // A gate that could not look must not pass: never downgraded, excepted or baselined.
    policy: false,
    group: 'integration',
    summaryKey: 'errors',
  },
  'expired-exception': {
    symbol: '!',
    name: 'ExpiredException',
    title: 'Exception has expired',
    description: 'An exception in the manifest is past its `expires` date, so it no longer suppresses the findings it matches.',
    help: 'Fix the drift the exception covered and delete it, or extend `expires` with a current reason and owner.',
    defaultSeverity: 'fail',
    policy: false,
    group: 'exception',
    summaryKey: 'expiredExceptions',
  },
  'expiring-exception': {
    symbol: '!',
    name: 'ExpiringException',
    title: 'Exception expires soon',
    description: 'An exception in the manifest or an exceptions file expires within 14 days; from the day after its `expires` date the findings it accepts fail the run again.',
    help: 'Ask the owner to fix the drift the exception covers before it expires, or to extend `expires` with a current reason.',
    defaultSeverity: 'warn',
    policy: false,
    group: 'exception',
    summaryKey: 'expiringExceptions',
  },
  'unused-exception': {
    symbol: '?',
    name: 'UnusedException',
    title: 'Exception matches no finding',
    description: 'An exception in the manifest matched no finding in this run.',
    help: 'Delete the exception so it cannot hide future drift.',
    defaultSeverity: 'warn',
    policy: false,
    group: 'exception',
    summaryKey: 'unusedExceptions',
  },
  'unused-rule': {
    symbol: '?',
    name: 'UnusedRule',
    title: 'Rule selects no discovered cluster',
    description: 'A rule in the manifest selected none of the clusters discovery found in this run.',
    help: 'Check the rule\'s match (account, region, cluster and tag globs) against the clusters `partner-drift discover` lists, or delete the rule.',
    defaultSeverity: 'warn',
    policy: false,
    group: 'rule',
    summaryKey: 'unusedRules',
  },
} as const satisfies Record<FindingKind, FindingKindInfo>

/** The compiler's check that a `switch` over kinds handles every kind: a kind left out is a type error where this is called. */
export function unhandledKind(kind: never): never {
  throw new Error(`unhandled finding kind ${String(kind)}`)
}

/** A Map for lookups by a name that may come from outside: `constructor` must not find Object's. */
const FINDING_KIND_INFO_BY_NAME: ReadonlyMap<string, FindingKindInfo> = new Map(Object.entries(FINDING_KIND_INFO))

type KindsWhere<Condition> = { [K in FindingKind]: (typeof FINDING_KIND_INFO)[K] extends Condition ? K : never }[FindingKind]

/** Kinds whose severity a policy may set, and that exceptions may accept. */
export type PolicyKind = KindsWhere<{ policy: true }>
export const POLICY_KINDS: readonly PolicyKind[] = FINDING_KINDS.filter(isPolicyKind)

export function isPolicyKind(kind: string): kind is PolicyKind {
  return FINDING_KIND_INFO_BY_NAME.get(kind)?.policy === true
}

/** The summary field that counts each kind, e.g. `errors` for `error`. */
export type KindCountKey = (typeof FINDING_KIND_INFO)[FindingKind]['summaryKey']

