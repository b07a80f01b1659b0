import { Args, Flags } from '@oclif/core'

import { runCheck } from '../check.js'
import { BaseCommand } from '../cli/base-command.js'
import { diagnosticsText, shouldColor, writeStdout } from '../cli/output.js'
import { fetchFlags, ProgressLine, shouldShowProgress, sourceFlagOptions } from '../cli/fetch-flags.js'
import { renderDiff } from '../report/render/diff.js'
import { renderJson } from '../report/render/json.js'
import { renderText } from '../report/render/text.js'
import { exitCodeFor } from '../report/report.js'

export default class Check extends BaseCommand {
  static override summary = 'Compare the partner integrations a manifest declares with what a source observes.'
  static override description = `Reads the manifest, observes every declared cluster through the chosen source, and reports missing, extra, forbidden, unhealthy and stale integrations like terraform plan.

Exit codes: 0 no failing finding (warnings allowed); 2 drift, and every cluster was observed; 1 invalid input, bad usage, or any cluster that could not be observed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/partner-drift.yaml --source snapshot:examples/snapshot.json',
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --format json > report.json',
    '<%= config.bin %> <%= command.id %> --format diff',
  ]

  static override args = {
    manifest: Args.string({ description: 'manifest file', default: 'partner-drift.yaml' }),
  }

  static override flags = {
    ...fetchFlags,
    format: Flags.string({ char: 'f', description: 'report format', options: ['text', 'json', 'diff'], default: 'text' }),
    color: Flags.boolean({ description: 'colour the text report (default: only on a terminal, and not with NO_COLOR)', allowNo: true, default: true }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Check)
    const progress = shouldShowProgress(flags.format) ? new ProgressLine(process.stderr) : undefined
    const result = await runCheck({
      manifest: args.manifest,
      source: flags.source,
      sourceOptions: [...sourceFlagOptions(flags), ...(flags['source-option'] ?? [])],
      concurrency: flags.concurrency,
      deadlineMs: flags.timeout * 1000,
      fallback: { region: flags.region, assumeRole: flags['assume-role'] },
      pluginRoots: this.config.getPluginsList().map((plugin) => plugin.root),
      onProgress: progress?.update,
    })
    progress?.clear()
    if (result.diagnostics.length > 0) process.stderr.write(diagnosticsText(result.diagnostics))
    if (!result.report) this.exit(1)
    const report = result.report!
    const output =
      flags.format === 'json' ? renderJson(report) : flags.format === 'diff' ? renderDiff(report) : renderText(report, { color: shouldColor(flags.color) })
    await writeStdout(output)
    this.exit(exitCodeFor(report))
  }
}
