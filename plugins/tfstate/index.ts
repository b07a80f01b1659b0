import { resolve } from 'node:path'

import {
  checkAgainstSchema,
  type ClusterObservation,
  type ClusterTarget,
  defineSource,
  type Diagnostic,
  EXCERPT_LENGTH,
  escapeControl,
  excerpt,
  InputError,
  type JsonSchema,
  type LocatedDocument,
  type ObservedIntegration,
  parseDocumentText,
  readInputText,
  SOURCE_CONTRACT_VERSION,
} from 'partner-drift'

const RESOURCE_TYPE = 'aws_redshift_partner'
/** Terraform has written state format 4 since 0.12. */
const STATE_VERSION = 4

const INSTANCE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['attributes'],
  properties: {
    index_key: { type: ['string', 'integer'] },
    attributes: {
      type: 'object',
      required: ['account_id', 'cluster_identifier', 'database_name', 'partner_name'],
      properties: {
        account_id: { type: 'string' },
        cluster_identifier: { type: 'string' },
        database_name: { type: 'string' },
        partner_name: { type: 'string' },
        status: { type: ['string', 'null'] },
        status_message: { type: ['string', 'null'] },
        region: { type: ['string', 'null'] },
      },
    },
  },
}

/** Only what this source reads is checked; other resource types may look like anything. */
export const STATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['version', 'resources'],
  properties: {
    version: { const: STATE_VERSION, description: 'this source reads Terraform state format 4 (Terraform 0.12 and later)' },
    resources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['mode', 'type', 'instances'],
        properties: { mode: { type: 'string' }, type: { type: 'string' }, module: { type: 'string' }, provider: { type: 'string' }, instances: { type: 'array' } },
        if: { properties: { mode: { const: 'managed' }, type: { const: RESOURCE_TYPE } } },
        then: { properties: { instances: { items: INSTANCE_SCHEMA } } },
      },
    },
  },
}

interface StateInstance {
  index_key?: string | number
  attributes: {
    account_id: string
    cluster_identifier: string
    database_name: string
    partner_name: string
    status?: string | null
    status_message?: string | null
    region?: string | null
  }
}

interface StateResource {
  mode: string
  type: string
  name?: string
  module?: string
  provider?: string
  instances: StateInstance[]
}

/** One `aws_redshift_partner` instance, with what is needed to match it to a declared cluster. */
interface RecordedIntegration {
  accountId: string
  cluster: string
  integration: ObservedIntegration
  /** Written by AWS provider 6 and later only. */
  region?: string
  /** The provider configuration that manages it, e.g. `provider["registry.terraform.io/hashicorp/aws"].us`. */
  provider: string
  /** `module.x.aws_redshift_partner.y["key"]`, for messages. */
  address: string
}

/**
 * Terraform's last recorded view of `aws_redshift_partner` resources, read from a state file
 * (or `-` for stdin, e.g. `terraform state pull | partner-drift check --source tfstate:-`).
 * No credentials and no API calls: what Terraform recorded at its last refresh or apply.
 *
 * Matching: a declared cluster matches instances with its account_id and cluster_identifier.
 * AWS provider 6 and later record each resource's region, which must then match too; older
 * providers record none, so such instances match the cluster in any region, and instances of
 * one cluster under two provider configurations (usually two regions) are refused as ambiguous.
 *
 * Time: the state records no CreatedAt/UpdatedAt, so `maxStatusAge` cannot be judged and the
 * engine reports such integrations as stale (fail closed). `observedAt` is the state file's
 * modification time (for stdin: when it was read).
 */
export default defineSource<{ path: string }>({
  name: 'tfstate',
  version: '1.0.0',
  contractVersion: SOURCE_CONTRACT_VERSION,
  description: 'aws_redshift_partner resources recorded in a Terraform state file (format 4), no credentials needed',
  options: {
    shorthand: 'path',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', minLength: 1, description: 'the state file, e.g. tfstate:terraform.tfstate, or - for stdin (terraform state pull | ...)' },
      },
    },
  },
  async open(options, context) {
    // The same bounded reader as every other input: regular files or stdin, size-limited, text only.
    const stdin = options.path === '-'
    const input = await readInputText(stdin ? '-' : resolve(context.cwd, options.path), {
      displayName: options.path,
      stdin: true,
      expected: 'a Terraform state file (or - for stdin)',
      signal: context.signal,
    })
    if (!input.ok) throw new InputError(input.diagnostics.map((d) => (d.message.endsWith('no such file') ? { ...d, hint: NO_SUCH_FILE_HINT } : d)))
    const observedAt = (input.modifiedAt ?? new Date()).toISOString()
    const recorded = readRecordedIntegrations(input.text, input.file)
    return {
      async observe(target) {
        return observeCluster(target, recorded, observedAt, input.file)
      },
    }
  },
})

const NO_SUCH_FILE_HINT = 'check the path (it is relative to the current directory); for remote state use terraform state pull | partner-drift check --source tfstate:-'

/**
 * Validates the state and collects every managed `aws_redshift_partner` instance, in modules
 * and under count/for_each alike. JSON.parse reads the state; the slower located parse that
 * knows line and column runs only when there is a problem to point at.
 */
function readRecordedIntegrations(text: string, file: string): RecordedIntegration[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new InputError([jsonSyntaxError(text, file, error as SyntaxError)])
  }
  const doc = lazilyLocated(text, file, value)
  if (isShowJson(value)) {
    throw new InputError([
      {
        severity: 'error',
        code: 'tfstate-show-json',
        file,
        ...doc.locate(['format_version'], { key: true }),
        path: 'format_version',
        message: 'this is the output of terraform show -json, not a state file',
        hint: 'give the state itself: terraform state pull > terraform.tfstate, or pipe it: terraform state pull | partner-drift check --source tfstate:-',
      },
    ])
  }
  const problems = checkAgainstSchema(doc, STATE_SCHEMA)
  if (problems.length > 0) throw new InputError(problems)

  const recorded: RecordedIntegration[] = []
  for (const resource of (value as { resources: StateResource[] }).resources) {
    if (resource.mode !== 'managed' || resource.type !== RESOURCE_TYPE) continue
    for (const instance of resource.instances) {
      const a = instance.attributes
      recorded.push({
        accountId: a.account_id,
        cluster: a.cluster_identifier,
        integration: {
          database: a.database_name,
          partner: a.partner_name,
          // The provider always records the status DescribePartners returned; a state without one cannot show health.
          status: a.status ?? 'unknown',
          ...(typeof a.status_message === 'string' ? { statusMessage: a.status_message } : {}),
        },
        ...(typeof a.region === 'string' && a.region ? { region: a.region } : {}),
        provider: resource.provider ?? '',
        address: instanceAddress(resource, instance),
      })
    }
  }
  return recorded
}

function observeCluster(target: ClusterTarget, recorded: RecordedIntegration[], observedAt: string, file: string): ClusterObservation {
  const sameCluster = recorded.filter((r) => r.accountId === target.accountId && r.cluster === target.cluster)
  const inRegion = sameCluster.filter((r) => r.region === undefined || r.region === target.region)
  const where = `${target.cluster} (account ${target.accountId}, ${target.region})`
  if (inRegion.length === 0) {
    const elsewhere = [...new Set(sameCluster.map((r) => shown(r.region ?? '')))].join(', ')
    return {
      kind: 'not-found',
      observedAt,
      message: `${where} is not in Terraform state ${file}${elsewhere ? `; the state has this cluster only in ${elsewhere}` : ''}`,
    }
  }
  const byProvider = new Map<string, string[]>()
  for (const r of inRegion) if (r.region === undefined) byProvider.set(r.provider, [...(byProvider.get(r.provider) ?? []), r.address])
  if (byProvider.size > 1) {
    const listed = [...byProvider].map(([provider, addresses]) => `${shown(provider)}: ${addresses.map(shown).join(', ')}`).join('; ')
    return {
      kind: 'error',
      code: 'AmbiguousRegion',
      message: `${where}: the state records partners of this cluster under ${byProvider.size} provider configurations and no region (${listed}), so which of them are in ${target.region} is unknown`,
      hint: 'AWS provider 6 and later record the region of every resource: upgrade it and run terraform apply -refresh-only, or check one state per region',
    }
  }
  // Two resources managing one integration describe one remote object, but their recorded
  // statuses may differ: every instance is passed on, and the engine judges each one.
  return { kind: 'observed', observedAt, integrations: inRegion.map((r) => r.integration) }
}

/**
 * Text from the state as a message shows it: escaped, and an excerpt when long. Everyday names
 * stay as they are; a region or address of a thousand characters does not fill a report.
 */
function shown(text: string): string {
  return text.length > EXCERPT_LENGTH ? excerpt(text) : escapeControl(text)
}

/** `module.etl["eu"].aws_redshift_partner.fivetran[0]`: the address Terraform itself prints. */
function instanceAddress(resource: StateResource, instance: StateInstance): string {
  const key = instance.index_key === undefined ? '' : `[${JSON.stringify(instance.index_key)}]`
  return `${resource.module ? `${resource.module}.` : ''}${resource.type}.${resource.name ?? ''}${key}`
}

/** `terraform show -json` writes `format_version` and `values`; a state file has neither. */
function isShowJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'format_version' in value && 'values' in value
}

/** Terraform writes JSON, so JSON's own error says best what is wrong; its offset becomes line and column. */
function jsonSyntaxError(text: string, file: string, error: SyntaxError): Diagnostic {
  const empty = text.trim() === ''
  const offset = empty ? 0 : Number(/at position (\d+)/.exec(error.message)?.[1] ?? text.length)
  const before = text.slice(0, offset).split('\n')
  // V8's message quotes the text around the error, which is input: shown escaped and short.
  const message = empty ? 'the state is empty' : `not valid JSON: ${shown(error.message.replace(/ in JSON at position \d+.*$/, ''))}`
  return {
    severity: 'error',
    code: 'tfstate-json',
    file,
    line: before.length,
    column: before[before.length - 1].length + 1,
    path: '',
    message,
    hint: 'a Terraform state file is the JSON Terraform writes; check that this is the whole file (terraform state pull > terraform.tfstate)',
  }
}

/**
 * A LocatedDocument whose positions are computed on first use: states run to megabytes, and
 * the located parse costs about a hundred times JSON.parse, so only a state with a problem pays it.
 */
function lazilyLocated(text: string, file: string, value: unknown): LocatedDocument {
  let located: LocatedDocument | undefined
  const positions = (): LocatedDocument => (located ??= parseDocumentText(text, file))
  return {
    file,
    value,
    diagnostics: [],
    locate: (path, options) => positions().locate(path, options),
    isNumberNode: (path) => positions().isNumberNode(path),
  }
}
