import type { Finding, FindingKind, Suppression } from '../../diff/compute-findings.js'
import type { SourceLocation } from '../../manifest/desired-state.js'
import type { Report } from '../report.js'

/** What a rule-based format (SARIF) and the human formats say about each kind of finding. */
export interface KindDescription {
  /** PascalCase, for SARIF `rule.name`. */
  name: string
  /** One sentence, no trailing period. */
  title: string
  /** What the finding means. */
  description: string
  /** How such findings are fixed in general; each finding carries its exact remediation. */
  help: string
  defaultSeverity: 'fail' | 'warn'
}

const KIND_LIST: Record<FindingKind, KindDescription> = {
  missing: {
    name: 'MissingPartnerIntegration',
    title: 'Declared partner integration is missing',
    description: 'The manifest declares this partner integration, but Redshift does not list it for the database, or the cluster itself does not exist.',
    help: 'Create the integration with `aws redshift add-partner` or a Terraform `aws_redshift_partner` resource, then finish the setup in the partner console; or remove the entry from the manifest. When the cluster does not exist, correct the cluster, accountId or region in the manifest.',
    defaultSeverity: 'fail',
  },
  extra: {
    name: 'UndeclaredPartnerIntegration',
    title: 'Partner integration is not declared in the manifest',
    description: 'Redshift lists a partner integration that the manifest does not declare for this database.',
    help: 'Delete the integration with `aws redshift delete-partner` if nobody needs it, or declare it in the manifest (a `- partner:` entry under the database) to accept it. The cluster or database `extra:` setting chooses whether undeclared integrations fail, warn or are ignored.',
    defaultSeverity: 'fail',
  },
  forbidden: {
    name: 'ForbiddenPartnerIntegration',
    title: 'Partner integration is listed as absent',
    description: 'Redshift lists a partner integration that the manifest forbids through an `absent:` list.',
    help: 'Delete the integration with `aws redshift delete-partner`, or take the partner off the `absent:` list if it is now allowed.',
    defaultSeverity: 'fail',
  },
  unhealthy: {
    name: 'UnhealthyPartnerIntegration',
    title: 'Partner integration reports an unexpected status',
    description: 'The integration exists, but the status the partner last reported is not one the manifest accepts.',
    help: 'The status is pushed to Redshift by the partner, so Redshift cannot repair it: open the partner console, fix the connection (the status message says what failed), and the partner reports the new status itself.',
    defaultSeverity: 'fail',
  },
  stale: {
    name: 'StalePartnerStatus',
    title: 'Partner integration status is older than allowed',
    description: 'The integration reports an accepted status, but the partner has not updated it within `maxStatusAge`, so it may no longer be true.',
    help: 'The partner pushes the status: check in the partner console that the integration is still running and reporting to Redshift.',
    defaultSeverity: 'fail',
  },
  error: {
    name: 'ClusterNotObserved',
    title: 'Cluster could not be observed',
    description: 'The source could not read the partner integrations of this cluster, so nothing about it could be checked.',
    help: 'Fix the cause named in the message (permissions such as the IAM action `redshift:DescribePartners`, credentials, network, throttling) and run again. An unobserved cluster never counts as in sync.',
    defaultSeverity: 'fail',
  },
  'expired-exception': {
    name: 'ExpiredException',
    title: 'Exception has expired',
    description: 'An exception in the manifest is past its `expires` date, so it no longer suppresses the findings it matches.',
    help: 'Fix the drift the exception covered and delete it, or extend `expires` with a current reason and owner.',
    defaultSeverity: 'fail',
  },
  'unused-exception': {
    name: 'UnusedException',
    title: 'Exception matches no finding',
    description: 'An exception in the manifest matched no finding in this run.',
    help: 'Delete the exception so it cannot hide future drift.',
    defaultSeverity: 'warn',
  },
}

/** A Map, so that only the described kinds are found: looking up `constructor` on an object would find Object's. */
const KINDS: ReadonlyMap<string, KindDescription> = new Map(Object.entries(KIND_LIST))

/** Described kinds first, in a stable order; any kind the engine adds later still gets a generic description. */
export function describeKind(kind: string): KindDescription {
  return (
    KINDS.get(kind) ?? {
      name: kind.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()),
      title: `partner-drift finding: ${kind}`,
      description: `A partner-drift finding of kind ${kind}.`,
      help: 'See the finding message and its remediation.',
      defaultSeverity: 'fail',
    }
  )
}

export const DESCRIBED_KINDS: readonly string[] = [...KINDS.keys()]

/** `excepted: REASON (owner X, expires D)` or `known (baseline): REASON`. */
export function describeSuppression(s: Suppression): string {
  const details = [s.owner ? `owner ${s.owner}` : '', s.expires ? `expires ${s.expires}` : ''].filter(Boolean).join(', ')
  return `${s.by === 'baseline' ? 'known (baseline)' : 'excepted'}: ${s.reason}${details ? ` (${details})` : ''}`
}

/** Counts toward failure: fail severity and not suppressed. */
export function isFailing(finding: Finding): boolean {
  return finding.severity === 'fail' && !finding.suppressed
}

/** `database/partner`, or what part of it is known. */
export function subjectOf(finding: Finding): string {
  if (finding.database !== undefined && finding.partner !== undefined) return `${finding.database}/${finding.partner}`
  return finding.database ?? finding.partner ?? ''
}

/** `account/region/cluster`: how every format names a cluster. */
export function clusterNameOf(c: { accountId: string; region: string; cluster: string }): string {
  return `${c.accountId}/${c.region}/${c.cluster}`
}

/** Where a finding points in the manifest; findings that come from no entry point at the manifest itself. */
export function manifestLocationOf(finding: Finding, report: Report): SourceLocation {
  return finding.location ?? { file: report.manifest, line: 1, column: 1 }
}
