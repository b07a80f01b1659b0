/**
 * The catalogue of codes: every problem partner-drift reports carries one, stable across
 * releases, so scripts and tests match on the code and people look it up in docs/errors.md
 * (generated from this table; a test keeps the two equal).
 *
 * Families:
 * - `input`: a located diagnostic of a file (manifest, snapshot, exceptions, baseline, state);
 *   shown as `FILE:LINE:COLUMN: key path: message [code]`. The run reports every one at once.
 * - `usage`: the command line or the installed sources cannot be used; `Error: ...` and `Code: ...`
 *   on stderr, exit 1, before any cluster is observed.
 * - `observation`: why a cluster could not be observed: the `cause.code` of an `error` finding
 *   (exit 1). Codes partner-drift and its built-in sources give are listed here; codes of the AWS
 *   API and of the network (`AccessDenied`, `ThrottlingException`, `ECONNREFUSED`) pass through.
 * - `cause`: why a `missing` or `extra` finding is what it is.
 * - `attribution`: with `check --attribute`, why a finding's last change is unknown (`lastChange.code`);
 *   never changes the exit code. Codes of the AWS API pass through as for observations.
 *
 * Adding a code means adding its entry here: the types below make an undocumented code a
 * compile error wherever partner-drift creates one.
 */
export type CodeFamily = 'input' | 'usage' | 'observation' | 'cause' | 'attribution'

export interface CodeEntry {
  family: CodeFamily
  /** What happened, in one sentence. */
  meaning: string
  /** What to do about it. */
  fix: string
}

const YAML_SYNTAX = { family: 'input', meaning: 'the YAML parser stopped at this position (the code names its complaint)', fix: 'fix the syntax at the position shown; the hint says how for common cases' } as const

export const ERROR_CODES = {
  // ------------------------------------------------------------------ reading a file
  read: { family: 'input', meaning: 'the file could not be read: it does not exist, is not a regular file, is over the size limit, or standard input is not allowed or never ended', fix: 'give the path of a regular file under the limit (64 MiB), or pipe the input where `-` is accepted' },
  binary: { family: 'input', meaning: 'the file holds NUL bytes, so it is not text', fix: 'check that this is the right file' },
  encoding: { family: 'input', meaning: 'the file is not valid UTF-8 (the position is the first bad byte)', fix: 'save the file as UTF-8' },

  // ------------------------------------------------------------------ YAML and JSON syntax
  'yaml-alias-props': YAML_SYNTAX,
  'yaml-bad-alias': YAML_SYNTAX,
  'yaml-bad-directive': YAML_SYNTAX,
  'yaml-bad-dq-escape': YAML_SYNTAX,
  'yaml-bad-indent': YAML_SYNTAX,
  'yaml-bad-prop-order': YAML_SYNTAX,
  'yaml-bad-scalar-start': YAML_SYNTAX,
  'yaml-block-as-implicit-key': YAML_SYNTAX,
  'yaml-block-in-flow': YAML_SYNTAX,
  'yaml-impossible': YAML_SYNTAX,
  'yaml-key-over-1024-chars': YAML_SYNTAX,
  'yaml-missing-char': YAML_SYNTAX,
  'yaml-multiline-implicit-key': YAML_SYNTAX,
  'yaml-multiple-anchors': YAML_SYNTAX,
  'yaml-multiple-docs': YAML_SYNTAX,
  'yaml-multiple-tags': YAML_SYNTAX,
  'yaml-non-string-key': YAML_SYNTAX,
  'yaml-resource-exhaustion': YAML_SYNTAX,
  'yaml-tab-as-indent': YAML_SYNTAX,
  'yaml-tag-resolve-failed': YAML_SYNTAX,
  'yaml-unexpected-token': YAML_SYNTAX,
  'yaml-bad-collection-type': YAML_SYNTAX,
  'yaml-duplicate-key': { family: 'input', meaning: 'a key appears twice in one mapping; YAML parsers disagree on which one wins, so neither is used', fix: 'keep one of the two keys' },
  'yaml-complex-key': { family: 'input', meaning: 'a key is a mapping, a list or an alias, which no partner-drift format has', fix: 'write the key as plain text' },
  'yaml-alias-limit': { family: 'input', meaning: 'aliases expand to more nodes than the limit (an alias bomb)', fix: 'write the values out instead of nesting aliases' },

  // ------------------------------------------------------------------ formats
  schema: { family: 'input', meaning: 'the document does not match its JSON Schema: an unknown key, a missing key, a wrong type or a value outside its pattern or range', fix: 'follow the message (it names the allowed keys or values); `partner-drift schema` prints the schema for editors' },
  'unknown-status': { family: 'input', meaning: 'a partner status is not one DescribePartners returns', fix: 'use Active, Inactive, RuntimeFailure or ConnectionFailure (the hint suggests the closest)' },
  'missing-account': { family: 'input', meaning: 'a cluster has no accountId, in its entry or in defaults', fix: 'set accountId on the cluster or in defaults, quoted: "123456789012"' },
  'missing-region': { family: 'input', meaning: 'a cluster has no region, in its entry, in defaults or from --region', fix: 'set region on the cluster or in defaults, or pass --region' },
  'assume-role-account': { family: 'input', meaning: 'assumeRole names a role in another account than the cluster\'s: DescribePartners must be called from the cluster\'s own account', fix: 'use arn:aws:iam::{accountId}:role/NAME, or the cluster\'s own account' },
  'duplicate-cluster': { family: 'input', meaning: 'one cluster (account, region, identifier) is listed twice, in a manifest or a snapshot', fix: 'merge the two entries' },
  'duplicate-database': { family: 'input', meaning: 'one database of a cluster is listed twice', fix: 'merge the two entries' },
  'duplicate-partner': { family: 'input', meaning: 'one partner is listed twice on a database', fix: 'remove one of the two entries' },
  'expected-and-absent': { family: 'input', meaning: 'a partner is both expected and listed under absent for the same database', fix: 'remove it from one of the two lists' },
  'exception-owner': { family: 'input', meaning: 'an exception names no owner, and the manifest\'s exceptionRules.requireOwner asks every exception (in the manifest and in --exceptions files) for one', fix: 'add owner: with the team or person who answers for the exception' },
  'exception-expiry': { family: 'input', meaning: 'an exception has no expires date, and the manifest\'s exceptionRules.requireExpiry asks every exception for one', fix: 'add expires: YYYY-MM-DD, the last day the exception applies' },
  'exception-expiry-too-far': { family: 'input', meaning: 'an exception expires more days after the day of the run than the manifest\'s exceptionRules.maxDays allows', fix: 'choose an earlier expires date (the hint names the latest allowed), and renew the exception then if it is still needed' },
  'invalid-date': { family: 'input', meaning: 'a date (an exception\'s expiry) has the right shape but is no real day', fix: 'write a real calendar date as YYYY-MM-DD' },
  'needs-discover': { family: 'input', meaning: 'rules: or unmanaged: is given without discover:, so it would select nothing', fix: 'add discover: with the accounts (or organization) and regions to look in, or remove the key' },
  'discover-accounts': { family: 'input', meaning: 'discover: gives both accounts: and organization:, or neither', fix: 'list the accounts to look in, or write organization: {} for every ACTIVE account of the organization' },
  'duplicate-rule': { family: 'input', meaning: 'two rules have the same name', fix: 'give every rule its own name: findings and coverage name rules by it' },
  baseline: { family: 'input', meaning: 'the --baseline file is not a partner-drift JSON report, or a finding in it has no fingerprint', fix: 'give a report written by `check --format json` or `--output json=FILE`' },
  'base-revision': { family: 'input', meaning: '--base REV:PATH names no file, and REV is not a commit of the head manifest\'s repository (or starts with "-")', fix: 'fetch the base first (actions/checkout with fetch-depth: 0, or git fetch origin main) and check the revision\'s name' },
  'base-git': { family: 'input', meaning: '--base REV:PATH could not be read with git: git is not installed, the head manifest is not in a git repository, or PATH is a directory at REV', fix: 'run in the manifest\'s repository with git installed and name the manifest file, or give --base a manifest file' },
  'review-discovery': { family: 'input', meaning: 'the head and the base manifest discover clusters in ways one discovery cannot serve both (accounts: in one and organization: in the other, other OUs, or another assumeRole)', fix: 'review the change to discover: in two steps, or compare with a base file written for the same discovery' },
  'tfstate-json': { family: 'input', meaning: 'the Terraform state is not valid JSON', fix: 'give the file `terraform state pull` writes' },
  'tfstate-show-json': { family: 'input', meaning: 'the file is the output of `terraform show -json`, not a state file', fix: 'give the file `terraform state pull` writes' },

  // ------------------------------------------------------------------ command line and sources
  'unknown-command': { family: 'usage', meaning: 'the command does not exist (the message names the closest one)', fix: '`partner-drift help` lists the commands' },
  'unknown-flag': { family: 'usage', meaning: 'the command has no such flag (the message names the closest one)', fix: '`partner-drift COMMAND --help` lists its flags' },
  'nothing-to-validate': { family: 'usage', meaning: 'validate was given no file: no manifest, no --exceptions and no --baseline', fix: 'name the files to check: `partner-drift validate partner-drift.yaml --exceptions FILE --baseline FILE`' },
  'invalid-flag': { family: 'usage', meaning: 'a flag\'s value cannot be used (an empty or unknown --fail-on kind, --cluster without --account-id and --region, a bad cluster identifier)', fix: 'follow the message; `partner-drift COMMAND --help` lists the flags' },
  'output-target': { family: 'usage', meaning: 'an --output FORMAT=PATH cannot be used: unknown format, two outputs to one path, a path that is an input of the run, a directory or an unwritable place', fix: 'follow the message; every target is checked before the first API call' },
  'output-write': { family: 'usage', meaning: 'a report file or the GitHub job summary could not be written after the run (the other outputs were written)', fix: 'check the path, free space and permissions' },
  'unknown-source': { family: 'usage', meaning: '--source names no built-in or installed source', fix: '`partner-drift sources` lists them; install a package that provides it' },
  'ambiguous-source': { family: 'usage', meaning: 'two installed packages provide a source of the same name', fix: 'uninstall one of them' },
  'source-not-loadable': { family: 'usage', meaning: 'an installed source\'s module does not exist inside its package, or failed to load', fix: 'reinstall the package that provides it, or report it to its author' },
  'not-a-source': { family: 'usage', meaning: 'a module declared as a source does not export a usable source definition', fix: 'report it to the source\'s author: it must export defineSource({ name, version, contractVersion, description, open })' },
  'contract-version': { family: 'usage', meaning: 'a source implements another major version of the source contract than this partner-drift, or declares no MAJOR.MINOR version', fix: 'install the version of the source (or of partner-drift) built for the same contract major' },
  'source-argument': { family: 'usage', meaning: '--source NAME:ARG for a source that takes no argument', fix: 'use --source NAME and --source-option KEY=VALUE' },
  'source-option-syntax': { family: 'usage', meaning: 'a --source-option is not KEY=VALUE', fix: 'write it as --source-option key=value' },
  'source-option-repeated': { family: 'usage', meaning: 'one option of the source is given twice (by a flag and --source-option, or twice)', fix: 'give each option once' },
  'invalid-source-options': { family: 'usage', meaning: 'the source\'s options do not match its options schema (each problem is listed)', fix: '`partner-drift sources` lists the options of every source' },
  'invalid-options-schema': { family: 'usage', meaning: 'a source declares an options schema that is not valid JSON Schema', fix: 'report it to the source\'s author' },
  'merge-incomplete': { family: 'usage', meaning: 'merge cannot make the report of one whole check: a shard is missing or given twice, the reports come from different manifests, shard counts or versions, or a file is not a shard report', fix: 'give every shard\'s JSON report (check --shard I/N --format json) of one run, once' },
  'discovery-unsupported': { family: 'usage', meaning: 'the manifest has discover:, and the source cannot discover clusters (or list an organization\'s accounts)', fix: 'use --source aws, or a snapshot recorded from this manifest; or remove discover: from the manifest' },
  'source-open': { family: 'usage', meaning: 'the source could not open (its own code and message follow), or open() returned no session', fix: 'check the source\'s options and what it needs (credentials, environment, files); otherwise report it to the source\'s author' },
  'unknown-profile': { family: 'usage', meaning: 'aws: --profile (or AWS_PROFILE) names a profile that neither the shared config file nor the credentials file has; the message names both files and the profiles they have (shown after source-open)', fix: 'use a profile the message lists, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the files that have it' },

  // ------------------------------------------------------------------ observing a cluster
  NotObserved: { family: 'observation', meaning: 'the source returned no observation for a declared cluster', fix: 'a bug in the source: report it to its author' },
  DeadlineExceeded: { family: 'observation', meaning: 'the cluster was not observed before --timeout (the source never answered, never opened, or the run was interrupted)', fix: 'raise --timeout, or check that the endpoint answers' },
  InvalidObservation: { family: 'observation', meaning: 'the source answered with something that is not an observation of the contract (the problems are listed)', fix: 'a bug in the source: report it to its author' },
  InvalidDiscovery: { family: 'observation', meaning: 'the source answered a discovery call (the clusters of an account and region, or the accounts of an organization) with something that is not a discovery of the contract', fix: 'a bug in the source: report it to its author' },
  InvalidSourceInput: { family: 'observation', meaning: 'the source reported located problems in its own input while observing', fix: 'fix the problems listed' },
  SourceError: { family: 'observation', meaning: 'the source threw something that has no code or cannot be read', fix: 'a bug in the source: report it to its author' },
  InvalidResponse: { family: 'observation', meaning: 'aws: an HTTP answer that is not a well-formed answer of the operation called (DescribePartners, DescribeClusters, an Organizations listing): a proxy, a captive portal, another service', fix: 'check --endpoint-url, proxy settings and the network path' },
  AccountMismatch: { family: 'observation', meaning: 'aws: discovery would have listed the clusters of another account than the one it was asked to look at (the role is in another account, or without a role the credentials are)', fix: 'look at each account with its own role (arn:aws:iam::{accountId}:role/NAME), or run with credentials of that account' },
  NoCredentials: { family: 'observation', meaning: 'aws: no AWS credentials were found', fix: 'configure credentials: environment variables, --profile or AWS_PROFILE, SSO, or a container or instance role' },
  Timeout: { family: 'observation', meaning: 'aws: the endpoint did not answer a request in time, on every attempt', fix: 'check the network path and --endpoint-url, or raise --timeout' },
  NotInSnapshot: { family: 'observation', meaning: 'snapshot: the cluster was not recorded in the snapshot', fix: 'record it again with `partner-drift snapshot`, or check the cluster, account and region' },
  AmbiguousRegion: { family: 'observation', meaning: 'tfstate: the state records the cluster\'s partners under several provider configurations and no region', fix: 'use AWS provider 6 or later (it records regions) and refresh the state, or check one state per region' },

  // ------------------------------------------------------------------ causes of findings
  ClusterNotFound: { family: 'cause', meaning: 'the cluster does not exist (DescribePartners answered ClusterNotFound): every expected integration is missing', fix: 'create the cluster, or remove it from the manifest' },
  ContradictoryExpectations: { family: 'cause', meaning: 'two rules, or a rule and a clusters: entry, that select one cluster disagree about a partner: one expects it and another forbids it, or they accept different statuses or status ages (an error finding: exit 1)', fix: 'make the rules agree, or narrow their match so that only one of them selects the cluster' },
  DatabaseNotDeclared: { family: 'cause', meaning: 'an integration was found on a database the manifest does not list', fix: 'declare the database, or delete the integration' },

  // ------------------------------------------------------------------ who changed it (check --attribute)
  AttributionUnsupported: { family: 'attribution', meaning: 'the source cannot tell who changed an integration (it has no attribute(); attribution came with source contract 1.2): only the aws source reads CloudTrail', fix: 'run check --attribute with --source aws' },
  NoRecordedChange: { family: 'attribution', meaning: 'the history holds no matching AddPartner, DeletePartner or UpdatePartnerStatus event for the integration: the change is older than the history (CloudTrail keeps 90 days), or was made another way', fix: 'look further back in a CloudTrail trail delivered to S3 or CloudTrail Lake, if the account keeps one' },
  InvalidAttribution: { family: 'attribution', meaning: 'the source answered an attribution call with something that is not a change history of the contract', fix: 'a bug in the source: report it to its author' },
} as const satisfies Record<string, CodeEntry>

export type ErrorCode = keyof typeof ERROR_CODES
type CodeOf<F extends CodeFamily> = { [K in ErrorCode]: (typeof ERROR_CODES)[K]['family'] extends F ? K : never }[ErrorCode]
/** The codes of located diagnostics. */
export type InputCode = CodeOf<'input'>
/** The codes of problems with the command line and the installed sources. */
export type UsageCode = CodeOf<'usage'>
/** The codes partner-drift itself gives an observation error. */
export type ObservationCode = CodeOf<'observation'>
/** The codes that say why a finding is what it is. */
export type CauseCode = CodeOf<'cause'>
/** The codes partner-drift itself gives a last change that is unknown. */
export type AttributionCode = CodeOf<'attribution'>

/**
 * Codes of the AWS API and the network that the aws source passes through with a hint of its
 * own; listed in docs/errors.md so people find them beside partner-drift's own.
 */
export const PASSED_THROUGH_CODES: ReadonlyArray<{ codes: string; meaning: string; fix: string }> = [
  { codes: 'AccessDenied, AccessDeniedException, UnauthorizedOperation, …NotAuthorized…', meaning: 'the identity may not call DescribePartners on the cluster; or, when the message begins "could not assume the role", STS refused AssumeRole', fix: 'allow redshift:DescribePartners on the cluster\'s ARN to the identity (or the role it assumes); for a role that could not be assumed, allow sts:AssumeRole on it to the caller and trust the caller in the role\'s trust policy (the hint says which, when STS says)' },
  { codes: 'UnauthorizedPartnerIntegration', meaning: 'the partner integration is not authorized for this account', fix: 'check accountId, and the partner authorization in the Redshift console' },
  { codes: 'UnsupportedOperation', meaning: 'DescribePartners is not supported for this cluster', fix: 'check the cluster\'s type and region' },
  { codes: 'ThrottlingException, Throttling, RequestLimitExceeded, TooManyRequests…', meaning: 'still throttled after every attempt', fix: 'lower --concurrency or raise --max-attempts' },
  { codes: 'ExpiredToken, RequestExpired, InvalidClientTokenId, SignatureDoesNotMatch, UnrecognizedClient', meaning: 'the credentials were rejected or have expired', fix: 'refresh them (e.g. aws sso login) and check the profile' },
  { codes: 'ECONNREFUSED, ENOTFOUND, ECONNRESET, … (any E… code)', meaning: 'the Redshift endpoint could not be reached on any attempt', fix: 'check the network and --endpoint-url' },
  { codes: 'InternalFailure, ServiceUnavailable, … (HTTP 5xx)', meaning: 'the service kept failing on every attempt', fix: 'try again later' },
]
