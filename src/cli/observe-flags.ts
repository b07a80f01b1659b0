import { Flags } from './oclif.js'

import type { ObserveProgress } from '../observe/orchestrator.js'

export const MAX_TIMEOUT_SECONDS = 86_400

/** How reality is observed: shared by `check` and `snapshot`. */
export const observeFlags = {
  source: Flags.string({ char: 's', description: 'where the observed state comes from: aws, snapshot:FILE, tfstate:FILE, or an installed source (see partner-drift sources)', default: 'aws', helpValue: 'SPEC' }),
  'source-option': Flags.string({ description: 'an option of the source, key=value (repeatable)', multiple: true, multipleNonGreedy: true, helpValue: 'KEY=VALUE' }),
  // 32 asks for 640 calls a second at 50 ms a call (160-320 at real latencies of 100-200 ms): inside
  // what one Node thread drives through the AWS SDK at about 1 ms of CPU a call; much more
  // concurrency only waits for the CPU (npm run bench:live shows the ceiling).
  concurrency: Flags.integer({ char: 'c', description: 'clusters observed at once (one DescribePartners call each)', default: 32, min: 1, max: 256 }),
  // Node's timers hold at most 2^31-1 ms (24.8 days); a day is more than any real estate needs.
  timeout: Flags.integer({ description: 'overall deadline in seconds, 1 to 86400; clusters not observed by then are errors (exit 1)', default: 300, min: 1, max: MAX_TIMEOUT_SECONDS, helpValue: 'SECONDS' }),
  region: Flags.string({ description: 'region for clusters whose manifest entry has none', helpValue: 'REGION' }),
  'assume-role': Flags.string({ description: 'role to assume where the manifest has none, e.g. arn:aws:iam::{accountId}:role/partner-drift-read', helpValue: 'ARN' }),
  profile: Flags.string({ description: 'aws source: named profile of the shared AWS config (default: AWS_PROFILE)', helpValue: 'NAME' }),
  'endpoint-url': Flags.string({ description: 'aws source: Redshift endpoint for emulators and VPC endpoints (never read from the manifest)', helpValue: 'URL' }),
  'max-attempts': Flags.integer({ description: 'aws source: attempts per call, first try included (default 5)', min: 1, max: 20 }),
}

type ObserveFlagValues = { source: string; 'source-option'?: string[]; concurrency: number; timeout: number; profile?: string; 'endpoint-url'?: string; 'max-attempts'?: number }

/** What `check` and `snapshot` hand the engine to observe with, from the shared flags. */
export function observeRequestOf(flags: ObserveFlagValues, pluginRoots: readonly string[]) {
  return {
    source: flags.source,
    sourceOptions: [...sourceFlagOptions(flags), ...(flags['source-option'] ?? [])],
    concurrency: flags.concurrency,
    deadlineMs: flags.timeout * 1000,
    pluginRoots,
  }
}

/**
 * The AWS flags of `check` and `snapshot` are shorthands for source options, so they are
 * validated by the chosen source's own options schema like any `--source-option`.
 */
function sourceFlagOptions(flags: { profile?: string; 'endpoint-url'?: string; 'max-attempts'?: number }): string[] {
  const options: string[] = []
  if (flags.profile) options.push(`profile=${flags.profile}`)
  if (flags['endpoint-url']) options.push(`endpointUrl=${flags['endpoint-url']}`)
  if (flags['max-attempts'] !== undefined) options.push(`maxAttempts=${flags['max-attempts']}`)
  return options
}

/** Progress is for people watching a terminal; never in pipes, CI logs or JSON output. */
export function shouldShowProgress(format: string, stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && format !== 'json' && process.env.CI === undefined
}

/** One self-overwriting line on stderr, redrawn at most every 100 ms. */
export class ProgressLine {
  private last = 0

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update = (p: ObserveProgress): void => {
    const now = Date.now()
    if (now - this.last < 100 && p.done < p.total) return
    this.last = now
    const extra = [p.errors ? `${p.errors} errors` : '', p.retries ? `${p.retries} retries` : '', p.throttled ? `${p.throttled} throttled` : '']
      .filter(Boolean)
      .join(', ')
    this.stream.write(`\r\u001B[Kobserving clusters ${p.done}/${p.total}${extra ? ` (${extra})` : ''}`)
  }

  clear(): void {
    if (this.last) this.stream.write('\r\u001B[K')
  }
}
