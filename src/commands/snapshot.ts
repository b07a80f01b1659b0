import { BaseCommand } from '../cli/base-command.js'
import { Args, Flags } from '../cli/oclif.js'
import { observeFlags, observeRequestOf, ProgressLine, shouldShowProgress } from '../cli/observe-flags.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import { manifestSchemaReference } from '../cli/schema-reference.js'
import { checkTargets, sourceInputFiles, writeFileAtomic } from '../cli/report-outputs.js'
import { type ClusterTarget, roleForAccount } from '../model/cluster.js'
import type { UsageCode } from '../model/error-codes.js'
import { type ClusterObservation, describeObservationError } from '../model/observation.js'
import { parseSourceSpec } from '../observe/source-registry.js'
import { type RecordedSnapshot, recordSnapshot, type SnapshotPlan, snapshotPlanOf } from '../record-snapshot.js'
import { parseShard } from '../shard/assign-shards.js'
import { escapeControl } from '../untrusted-text.js'

export default class Snapshot extends BaseCommand {
  static override summary = 'Record the observed state of every declared cluster into a snapshot file.'
  static override description = `The snapshot replays offline with check --source snapshot:FILE and gives the same findings as the live run, so reviews need no credentials. Per-cluster errors are recorded too.

With --cluster (and --account-id, --region) it records clusters nobody has declared yet, and --manifest-out writes a manifest that declares exactly what was observed.

Exits 1 when any cluster could not be observed or does not exist (the file is still written, recording that), 0 otherwise.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --out snapshot.json',
    '<%= config.bin %> <%= command.id %> --account-id 123456789012 --region eu-west-1 --cluster analytics-prod --out snapshot.json --manifest-out partner-drift.yaml',
  ]

  static override args = {
    manifest: Args.string({ description: 'manifest whose clusters to record (not needed with --cluster)', default: 'partner-drift.yaml' }),
  }

  static override flags = {
    ...observeFlags,
    out: Flags.string({ description: 'snapshot file to write (- for stdout); no short flag: -o is --output FORMAT=PATH in check and merge', required: true, helpValue: 'FILE' }),
    cluster: Flags.string({ description: 'record this cluster instead of the manifest\'s (repeatable)', multiple: true, multipleNonGreedy: true, helpValue: 'ID' }),
    'account-id': Flags.string({ description: 'account of the --cluster clusters', helpValue: 'ID' }),
    'manifest-out': Flags.string({ description: 'also write a manifest declaring what was observed', helpValue: 'FILE' }),
    shard: Flags.string({ description: 'record only shard I of N of the manifest\'s accounts and regions, as check --shard observes them', helpValue: 'I/N' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Snapshot)
    // The files to write are checked before anything is observed, and never overwrite an input.
    const { targets: files, problems } = await checkTargets(
      [
        { label: `--out ${escapeControl(flags.out)}`, format: 'snapshot', written: flags.out },
        ...(flags['manifest-out'] ? [{ label: `--manifest-out ${escapeControl(flags['manifest-out'])}`, format: 'manifest', written: flags['manifest-out'] }] : []),
      ],
      {
        inputs: [
          ...(flags.cluster?.length ? [] : [{ role: 'manifest', path: args.manifest }]),
          ...sourceInputFiles(parseSourceSpec(flags.source), flags['source-option'] ?? []),
        ],
      },
    )
    if (problems.length > 0) this.error(problems.join('\n'), { exit: 1, code: 'output-target' satisfies UsageCode })
    const outFile = files.find((f) => f.format === 'snapshot')!.path
    const manifestFile = files.find((f) => f.format === 'manifest')?.path
    let plan: SnapshotPlan
    if (flags.cluster?.length) {
      if (!flags['account-id'] || !/^\d{12}$/.test(flags['account-id']) || !flags.region) {
        this.error('--cluster needs --account-id (12 digits) and --region', { exit: 1, code: 'invalid-flag' satisfies UsageCode, suggestions: ['partner-drift snapshot --account-id 123456789012 --region eu-west-1 --cluster analytics-prod --out snapshot.json'] })
      }
      // The manifest's rule for identifiers: a bootstrapped manifest must validate.
      const badCluster = flags.cluster.find((c) => !/^[a-zA-Z0-9-]{1,63}$/.test(c))
      if (badCluster !== undefined) {
        this.error(`--cluster ${JSON.stringify(escapeControl(badCluster))} is not a cluster identifier (letters, digits and hyphens, at most 63)`, { exit: 1, code: 'invalid-flag' satisfies UsageCode })
      }
      const targets = flags.cluster.map((cluster) => ({
        accountId: flags['account-id']!,
        region: flags.region!,
        cluster,
        ...(flags['assume-role'] ? { assumeRole: roleForAccount(flags['assume-role'], flags['account-id']!) } : {}),
      }))
      plan = { targets }
    } else {
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard)
      if (shard && 'problem' in shard) this.error(escapeControl(shard.problem), { exit: 1, code: 'invalid-flag' satisfies UsageCode })
      const declared = await snapshotPlanOf(args.manifest, { region: flags.region, assumeRole: flags['assume-role'] }, shard)
      if (declared.diagnostics.length > 0) process.stderr.write(diagnosticsText(declared.diagnostics))
      if (!declared.plan) return this.exit(1)
      plan = declared.plan
    }

    const progress = shouldShowProgress('text') ? new ProgressLine(process.stderr) : undefined
    const recorded = await recordSnapshot(plan, {
      ...observeRequestOf(flags, this.config.getPluginsList().map((plugin) => plugin.root)),
      onProgress: progress?.update,
      ...(flags['manifest-out'] ? { bootstrapManifest: { label: flags['manifest-out'], schemaReference: manifestSchemaReference(flags['manifest-out']) } } : {}),
    })
    progress?.clear()

    const snapshot = JSON.stringify(recorded.snapshot, null, 2) + '\n'
    if (outFile === '-') await writeStdout(snapshot)
    else await writeFileAtomic(outFile, snapshot)

    const { notObserved, notFound, notDiscovered } = recorded
    for (const { place, error } of notDiscovered) {
      process.stderr.write(`not discovered: ${escapeControl(describeObservationError(place, error))}${error.hint ? `\n  hint: ${escapeControl(error.hint)}` : ''}\n`)
    }
    for (const { target, observation } of notObserved) process.stderr.write(notObservedLine(target, observation))
    // A cluster that does not exist would otherwise just be missing from --manifest-out: say which, and fail.
    for (const { target, message } of notFound) {
      process.stderr.write(`not found: cluster ${escapeControl(target.cluster)} (account ${target.accountId}, ${target.region}): ${escapeControl(message)}\n  hint: check the cluster identifier, account and region\n`)
    }

    const manifest = manifestFile ? await this.writeBootstrappedManifest(manifestFile, flags['manifest-out']!, recorded.bootstrapManifest!) : undefined
    const summary =
      `recorded ${recorded.targets.length} cluster${recorded.targets.length === 1 ? '' : 's'} (${notObserved.length} not observed) to ${flags.out === '-' ? 'stdout' : flags.out}` +
      (manifest === 'valid' || manifest === 'invalid' ? ` and a manifest to ${flags['manifest-out']}` : '') +
      (notFound.length > 0 ? `; ${notFound.length} cluster${notFound.length === 1 ? '' : 's'} not found` : '')
    process.stderr.write(summary + '\n')
    this.exit(notDiscovered.length > 0 || notObserved.length > 0 || notFound.length > 0 || (manifest !== undefined && manifest !== 'valid') ? 1 : 0)
  }

  /** Writes the manifest declaring what was observed, and says when it does not validate as it is. */
  private async writeBootstrappedManifest(path: string, file: string, bootstrapped: NonNullable<RecordedSnapshot['bootstrapManifest']>): Promise<'valid' | 'invalid' | 'none'> {
    if (bootstrapped === 'none') {
      process.stderr.write(`no manifest written to ${file}: no cluster was observed\n`)
      return 'none'
    }
    if (path === '-') await writeStdout(bootstrapped.text)
    else await writeFileAtomic(path, bootstrapped.text)
    if (bootstrapped.diagnostics.length > 0) {
      process.stderr.write(diagnosticsText(bootstrapped.diagnostics) + `the manifest written to ${file} does not validate as it is; edit it before committing\n`)
      return 'invalid'
    }
    return 'valid'
  }
}

/** The message and hint come from the API or a source: shown escaped, they cannot forge a line or drive the terminal. */
function notObservedLine(target: ClusterTarget, observation: ClusterObservation | undefined): string {
  if (observation?.kind !== 'error') return `not observed: cluster ${escapeControl(target.cluster)} (account ${target.accountId}, ${target.region}): the source returned nothing for it\n`
  return `not observed: ${escapeControl(describeObservationError(target.cluster, observation))}${observation.hint ? `\n  hint: ${escapeControl(observation.hint)}` : ''}\n`
}
