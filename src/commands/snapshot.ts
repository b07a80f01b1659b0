import { writeFile } from 'node:fs/promises'

import { Args, Flags } from '@oclif/core'

import { observeTargets, targetsOf } from '../check.js'
import { BaseCommand } from '../cli/base-command.js'
import { fetchFlags, ProgressLine, shouldShowProgress, sourceFlagOptions } from '../cli/fetch-flags.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import type { ClusterTarget } from '../contract.js'
import { manifestFromObservations } from '../manifest/bootstrap-manifest.js'
import { loadManifest } from '../manifest/load-manifest.js'
import { buildSnapshot } from '../snapshot-format.js'
import { escapeControl } from '../untrusted-text.js'

export default class Snapshot extends BaseCommand {
  static override summary = 'Record the observed state of every declared cluster into a snapshot file.'
  static override description = `The snapshot replays offline with check --source snapshot:FILE and gives the same findings as the live run, so reviews need no credentials. Per-cluster errors are recorded too.

With --cluster (and --account-id, --region) it records clusters nobody has declared yet, and --manifest-out writes a manifest that declares exactly what was observed.

Exits 1 when any cluster could not be observed (the file is still written), 0 otherwise.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --out snapshot.json',
    '<%= config.bin %> <%= command.id %> --account-id 123456789012 --region eu-west-1 --cluster analytics-prod --out snapshot.json --manifest-out partner-drift.yaml',
  ]

  static override args = {
    manifest: Args.string({ description: 'manifest whose clusters to record (not needed with --cluster)', default: 'partner-drift.yaml' }),
  }

  static override flags = {
    ...fetchFlags,
    out: Flags.string({ char: 'o', description: 'snapshot file to write (- for stdout)', required: true, helpValue: 'FILE' }),
    cluster: Flags.string({ description: 'record this cluster instead of the manifest\'s (repeatable)', multiple: true, multipleNonGreedy: true, helpValue: 'ID' }),
    'account-id': Flags.string({ description: 'account of the --cluster clusters', helpValue: 'ID' }),
    'manifest-out': Flags.string({ description: 'also write a manifest declaring what was observed', helpValue: 'FILE' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Snapshot)
    let targets: ClusterTarget[]
    if (flags.cluster?.length) {
      if (!flags['account-id'] || !/^\d{12}$/.test(flags['account-id']) || !flags.region) {
        this.error('--cluster needs --account-id (12 digits) and --region', { exit: 1, suggestions: ['partner-drift snapshot --account-id 123456789012 --region eu-west-1 --cluster analytics-prod --out snapshot.json'] })
      }
      targets = flags.cluster.map((cluster) => ({
        accountId: flags['account-id']!,
        region: flags.region!,
        cluster,
        ...(flags['assume-role'] ? { assumeRole: flags['assume-role'].replaceAll('{accountId}', flags['account-id']!) } : {}),
      }))
    } else {
      const manifest = await loadManifest(args.manifest, { region: flags.region, assumeRole: flags['assume-role'] })
      if (manifest.diagnostics.length > 0) process.stderr.write(diagnosticsText(manifest.diagnostics))
      if (!manifest.desired) this.exit(1)
      targets = targetsOf(manifest.desired!)
    }

    const progress = shouldShowProgress('text') ? new ProgressLine(process.stderr) : undefined
    const observed = await observeTargets(targets, {
      source: flags.source,
      sourceOptions: [...sourceFlagOptions(flags), ...(flags['source-option'] ?? [])],
      concurrency: flags.concurrency,
      deadlineMs: flags.timeout * 1000,
      pluginRoots: this.config.getPluginsList().map((plugin) => plugin.root),
      onProgress: progress?.update,
    })
    progress?.clear()

    const snapshot = JSON.stringify(buildSnapshot(targets, observed.observations, new Date().toISOString()), null, 2) + '\n'
    if (flags.out === '-') await writeStdout(snapshot)
    else await writeFile(flags.out, snapshot)
    if (flags['manifest-out']) await writeFile(flags['manifest-out'], manifestFromObservations(targets, observed.observations))

    const failed = [...observed.observations.values()].filter((o) => o.kind === 'error')
    // The message and hint come from the API or a source: shown escaped, they cannot forge a line or drive the terminal.
    for (const o of failed) if (o.kind === 'error') process.stderr.write(`not observed: ${escapeControl(o.message)}${o.hint ? `\n  hint: ${escapeControl(o.hint)}` : ''}\n`)
    const summary = `recorded ${targets.length} cluster${targets.length === 1 ? '' : 's'} (${failed.length} not observed) to ${flags.out === '-' ? 'stdout' : flags.out}${flags['manifest-out'] ? ` and a manifest to ${flags['manifest-out']}` : ''}`
    process.stderr.write(summary + '\n')
    this.exit(failed.length > 0 ? 1 : 0)
  }
}
