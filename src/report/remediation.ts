import { yaml } from '../vendor/yaml.js'

import type { Finding, RemediatedFinding, Remediation } from '../model/finding.js'
import { hasControl } from '../untrusted-text.js'

/** The remediation stage: each finding, as a new object, with its fix. */
export function withRemediations(findings: readonly Finding[]): RemediatedFinding[] {
  return findings.map((finding) => ({ ...finding, remediation: remediationFor(finding) }))
}

/** Error codes that mean the identity lacks permission; the fix is always the same IAM action. */
const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized/

/**
 * Pure: the fix for one finding. Commands and Terraform are exact (copy, paste, run);
 * anything that depends on a human decision (create or delete? which console?) is in the summary.
 */
export function remediationFor(finding: Finding): Remediation {
  switch (finding.kind) {
    case 'missing':
      return missing(finding)
    case 'extra':
    case 'unmanaged':
    case 'forbidden':
      return unwanted(finding)
    case 'unhealthy':
    case 'stale':
      return partnerSide(finding)
    case 'error':
      return notObserved(finding)
    case 'expired-exception':
      return { summary: `The exception has expired and no longer excuses anything: fix the drift it covered and delete the exception, or extend its expires date with a current reason. ${finding.message}` }
    case 'expiring-exception':
      return { summary: `The exception expires soon; after that the findings it accepts fail the run: fix the drift it covers and delete it, or extend its expires date with a current reason. ${finding.message}` }
    case 'unused-exception':
      return { summary: `The exception matches no finding: delete it from the manifest so it cannot hide future drift. ${finding.message}` }
    case 'unused-rule':
      return { summary: `The rule selects no discovered cluster: check its match against what \`partner-drift discover\` lists, or delete it.` }
  }
}

interface Integration {
  accountId: string
  region: string
  cluster: string
  database: string
  partner: string
}

function integrationOf(finding: Finding): Integration | undefined {
  const { accountId, region, cluster, database, partner } = finding
  return database === undefined || partner === undefined ? undefined : { accountId, region, cluster, database, partner }
}

function clusterPhrase(f: Pick<Finding, 'accountId' | 'region' | 'cluster'>): string {
  return `cluster ${f.cluster} (account ${f.accountId}, ${f.region})`
}

function missing(finding: Finding): Remediation {
  if (finding.cause?.code === 'ClusterNotFound') {
    const check = pasteable(finding.cluster, finding.region) ? ` (check with: ${awsRedshift('describe-clusters', [['cluster-identifier', finding.cluster], ['region', finding.region]])})` : ''
    return {
      summary:
        `${capitalize(clusterPhrase(finding))} does not exist, so nothing can be integrated on it: correct the cluster, accountId or region of this manifest entry, ` +
        `or create the cluster first${check}.`,
    }
  }
  const integration = integrationOf(finding)
  if (!integration) return { summary: finding.message }
  const summary =
    `Integrate ${integration.partner} with database ${integration.database} of ${clusterPhrase(integration)}, then finish the setup in the ${integration.partner} console ` +
    `so it reports ${finding.expected?.status.join(' or ') ?? 'Active'}; or remove the entry from the manifest if it is no longer wanted.`
  if (!isPasteable(integration)) return { summary: `${summary} ${NOT_PASTEABLE}` }
  return {
    summary,
    commands: [awsPartnerCommand('add-partner', integration)],
    terraform: terraformFor(integration, 'create'),
  }
}

function unwanted(finding: Finding): Remediation {
  const integration = integrationOf(finding)
  if (!integration) return { summary: finding.message }
  const summary =
    finding.kind === 'forbidden'
      ? `${integration.partner} is listed as absent for database ${integration.database} of ${clusterPhrase(integration)}: delete the integration, or take ${integration.partner} off the absent list if it is now allowed.`
      : finding.kind === 'unmanaged'
        ? `${integration.partner} on database ${integration.database} of ${clusterPhrase(integration)} is on a cluster no rule and no clusters: entry covers: delete the integration if nobody needs it, or write a rule or an entry that covers the cluster and declares it.`
        : `${integration.partner} on database ${integration.database} of ${clusterPhrase(integration)} is not declared: delete the integration if nobody needs it, or declare it in the manifest to accept it.`
  if (!isPasteable(integration)) return { summary: `${summary} ${NOT_PASTEABLE}` }
  const commands = [awsPartnerCommand('delete-partner', integration)]
  if (finding.kind === 'forbidden') return { summary, commands }
  return {
    summary,
    commands,
    terraform: terraformFor(integration, 'adopt'),
    manifest: manifestLinesFor(integration, finding.kind !== 'unmanaged' && isDatabaseDeclared(finding)),
  }
}

function isDatabaseDeclared(finding: Finding): boolean {
  return finding.cause?.code !== 'DatabaseNotDeclared'
}

function partnerSide(finding: Finding): Remediation {
  const integration = integrationOf(finding)
  if (!integration) return { summary: finding.message }
  const { partner } = integration
  const statusMessage = finding.observed?.statusMessage ? `; status message: "${finding.observed.statusMessage}"` : '; no status message was given'
  const where = `the ${partner} console, in its connection to database ${integration.database} of ${clusterPhrase(integration)}`
  if (finding.kind === 'stale') {
    const since = finding.observed?.updatedAt ?? finding.observed?.createdAt
    return {
      summary:
        `${partner} pushes this status to Redshift and has not done so ${since ? `since ${since}` : 'at all'}` +
        `${finding.expected?.maxStatusAge ? ` (maxStatusAge ${finding.expected.maxStatusAge})` : ''}: check that the integration is still running and reporting, in ${where}${statusMessage}.`,
    }
  }
  return {
    summary:
      `${partner} pushes this status to Redshift (status ${finding.observed?.status ?? 'unknown'}, expected ${finding.expected?.status.join(' or ') ?? 'Active'}); ` +
      `Redshift cannot repair it: fix it in ${where}${statusMessage}.`,
  }
}

/** What to do about common observation errors when the source gave no hint of its own. */
const ERROR_ADVICE: Array<[code: RegExp, advice: string]> = [
  [/^UnauthorizedPartnerIntegration$/, 'check that accountId is the account that owns the cluster and that the credentials belong to it, or set assumeRole to a role in that account'],
  [/^UnsupportedOperation$/, 'DescribePartners is not supported for this cluster; check its type and region'],
  [/Throttl|RequestLimitExceeded|TooManyRequests/, 'the API kept throttling; lower --concurrency and run again'],
  [/ExpiredToken|RequestExpired|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|NoCredentials/, 'configure or refresh the AWS credentials (e.g. aws sso login) and run again'],
  [/^Timeout$/, 'the endpoint did not answer in time; check the network, or raise --timeout'],
  [/^NotObserved$/, 'the source returned no observation for this cluster, which is a bug in the source; report it to its author'],
]

function notObserved(finding: Finding): Remediation {
  const code = finding.cause?.code ?? 'Unknown'
  const hint = finding.cause?.hint
  if (code === 'ClusterNotFound') return missing(finding)
  const subject = `${capitalize(clusterPhrase(finding))} could not be observed (${code})`
  if (ACCESS_DENIED.test(code)) {
    const permission = `allow the IAM action redshift:DescribePartners on arn:aws:redshift:${finding.region}:${finding.accountId}:cluster:${finding.cluster} to the identity partner-drift runs as (or the role it assumes)`
    const advice = hint && !hint.includes('redshift:DescribePartners') ? `${permission}; ${hint}` : (hint ?? permission)
    return { summary: `${subject}: ${advice}.` }
  }
  const advice = hint ?? ERROR_ADVICE.find(([pattern]) => pattern.test(code))?.[1] ?? 'fix the cause named in the message and run again'
  return { summary: `${subject}: ${advice}. The check cannot pass until every declared cluster is observed.` }
}

/**
 * Said instead of a snippet when a name cannot be written safely into one. A control character
 * (a newline, ESC, a bidi override) in a name would survive quoting only as an invisible or
 * line-breaking character in code a person pastes into a shell, a `.tf` file or the manifest;
 * rather than trust every quoting rule with it, no paste-ready text is offered at all.
 */
const NOT_PASTEABLE =
  'No command, Terraform or manifest lines are suggested because a name holds control characters (shown escaped); check the names in the AWS console and act there.'

/** True when every value can go into a shell command, HCL or YAML through their quoting alone. */
function pasteable(...values: string[]): boolean {
  return !values.some(hasControl)
}

function isPasteable(i: Integration): boolean {
  return pasteable(i.accountId, i.region, i.cluster, i.database, i.partner)
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

type AwsArgs = Array<[flag: string, value: string]>

function awsRedshift(operation: string, args: AwsArgs): string {
  return ['aws', 'redshift', operation, ...args.flatMap(([flag, value]) => [`--${flag}`, shellQuote(value)])].join(' ')
}

function awsPartnerCommand(operation: 'add-partner' | 'delete-partner', i: Integration): string {
  return awsRedshift(operation, [
    ['account-id', i.accountId],
    ['cluster-identifier', i.cluster],
    ['database-name', i.database],
    ['partner-name', i.partner],
    ['region', i.region],
  ])
}

/** POSIX single quoting, only where needed so the common case stays readable. */
export function shellQuote(value: string): string {
  // `=` and `~` are left out on purpose: zsh expands a leading `=word` and every shell a leading `~`.
  if (/^[A-Za-z0-9@%+:,./_-]+$/.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** `aws_redshift_partner` resource name: a Terraform identifier derived from cluster, database and partner. */
export function terraformResourceName(i: Pick<Integration, 'cluster' | 'database' | 'partner'>): string {
  const name = [i.cluster, i.database, i.partner]
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
  return /^[a-z_]/.test(name) ? name : `redshift_${name}`
}

/** The id `terraform import aws_redshift_partner` expects. */
export function terraformImportId(i: Integration): string {
  return [i.accountId, i.cluster, i.database, i.partner].join(':')
}

/**
 * Valid HCL as a whole: the import command is a comment, because for a missing integration it is
 * only needed when someone created it outside Terraform, and for an extra one it is the way to adopt it.
 * Only called for names without control characters (`isPasteable`): a comment ends at a line
 * break, so a name holding one could otherwise start a live block of its own.
 */
function terraformFor(i: Integration, intent: 'create' | 'adopt'): string {
  const name = terraformResourceName(i)
  const importCommand = `terraform import aws_redshift_partner.${name} ${shellQuote(terraformImportId(i))}`
  return [
    `resource "aws_redshift_partner" "${name}" {`,
    `  # ${i.region}: the aws provider of this resource must target this region`,
    `  account_id         = ${hclString(i.accountId)}`,
    `  cluster_identifier = ${hclString(i.cluster)}`,
    `  database_name      = ${hclString(i.database)}`,
    `  partner_name       = ${hclString(i.partner)}`,
    `}`,
    intent === 'create' ? `# Created outside Terraform already (e.g. with add-partner)? Adopt it instead:` : `# It exists already: adopt it into Terraform state before the next apply:`,
    `#   ${importCommand}`,
  ].join('\n')
}

/** An HCL quoted string: escapes for quotes, backslashes and line breaks, and `${`/`%{` kept literal (no interpolation or template directive). */
function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, '%%{')
  return `"${escaped}"`
}

/** The manifest entry that would declare an observed integration, with a comment saying where it goes (names without control characters only: see `isPasteable`). */
function manifestLinesFor(i: Integration, databaseDeclared: boolean): string {
  const where = `${i.cluster} (account ${i.accountId}, ${i.region})`
  const entry = databaseDeclared ? [{ partner: i.partner }] : [{ database: i.database, partners: [{ partner: i.partner }] }]
  const comment = databaseDeclared
    ? `# under partners: of database ${i.database} in cluster ${where}`
    : `# under databases: of cluster ${where}`
  return `${comment}\n${yaml().stringify(entry, { lineWidth: 0 }).trimEnd()}`
}
