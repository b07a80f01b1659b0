import { appendFile, writeFile } from 'node:fs/promises'

import { Args, Flags } from '@oclif/core'

import { runCheck } from '../check.js'
import { BaseCommand } from '../cli/base-command.js'
import { fetchFlags, ProgressLine, shouldShowProgress, sourceFlagOptions } from '../cli/fetch-flags.js'
import { diagnosticsText, shouldColor, writeStdout } from '../cli/output.js'
import { POLICY_KINDS, type PolicyKind } from '../manifest/desired-state.js'
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../report/render/index.js'
import { exitCodeFor } from '../report/report.js'

export default class Check extends BaseCommand {
  static override summary = 'Compare the partner integrations a manifest declares with what a source observes.'
  static override description = `Reads the manifest, observes every declared cluster through the chosen source, and reports missing, extra, forbidden, unhealthy and stale integrations like terraform plan.

One fetch can write several reports: --format for stdout, and --output FORMAT=PATH (repeatable) for files. Under GitHub Actions (GITHUB_ACTIONS=true) with no --format, the text report is followed by ::error annotations on the manifest lines.

Exit codes: 0 no failing finding (warnings allowed); 2 drift, and every cluster was observed; 1 invalid input, bad usage, or any cluster that could not be observed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/partner-drift.yaml --source snapshot:examples/snapshot.json',
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --format json > report.json',
    '<%= config.bin %> <%= command.id %> --output sarif=partner-drift.sarif --output junit=partner-drift.xml --output markdown=summary.md',
    '<%= config.bin %> <%= command.id %> --baseline last-report.json --fail-on missing,forbidden',
    '<%= config.bin %> <%= command.id %> --format diff',
  ]

  static override args = {
    manifest: Args.string({ description: 'manifest file', default: 'partner-drift.yaml' }),
  }

  static override flags = {
    ...fetchFlags,
    format: Flags.string({ char: 'f', description: 'report format on stdout [default: text]', options: [...REPORT_FORMATS] }),
    output: Flags.string({
      char: 'o',
      description: `also write a report to a file, FORMAT=PATH (- for stdout; repeatable); formats: ${REPORT_FORMATS.join(', ')}`,
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'FORMAT=PATH',
    }),
    color: Flags.boolean({ description: 'colour the text report (default: only on a terminal, and not with NO_COLOR)', allowNo: true, default: true }),
    explain: Flags.boolean({ description: 'show the full fix under each finding: AWS CLI commands, Terraform, manifest lines' }),
    'fail-on': Flags.string({ description: `kinds that fail the run; the others only warn (overrides the manifest policy; errors always fail): ${POLICY_KINDS.join(',')}`, helpValue: 'KIND,...' }),
    exceptions: Flags.string({ description: 'exceptions file (an `exceptions:` list as in the manifest), in addition to the manifest\'s', helpValue: 'FILE' }),
    baseline: Flags.string({ description: 'a previous JSON report: fail only on findings that are new since', helpValue: 'FILE' }),
    'github-summary': Flags.boolean({ description: 'append the Markdown report to $GITHUB_STEP_SUMMARY' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Check)
    const outputs = (flags.output ?? []).map((spec) => this.parseOutput(spec))
    const failOn = flags['fail-on'] === undefined ? undefined : this.parseKinds(flags['fail-on'])
    const format = (flags.format ?? 'text') as ReportFormat
    const annotate = flags.format === undefined && process.env.GITHUB_ACTIONS === 'true'

    const progress = shouldShowProgress(format) ? new ProgressLine(process.stderr) : undefined
    const result = await runCheck({
      manifest: args.manifest,
      source: flags.source,
      sourceOptions: [...sourceFlagOptions(flags), ...(flags['source-option'] ?? [])],
      concurrency: flags.concurrency,
      deadlineMs: flags.timeout * 1000,
      fallback: { region: flags.region, assumeRole: flags['assume-role'] },
      pluginRoots: this.config.getPluginsList().map((plugin) => plugin.root),
      onProgress: progress?.update,
      policy: { failOn, exceptionsFile: flags.exceptions, baselineFile: flags.baseline },
    })
    progress?.clear()
    if (result.diagnostics.length > 0) process.stderr.write(diagnosticsText(result.diagnostics))
    if (!result.report) this.exit(1)
    const report = result.report!

    for (const { format: fileFormat, path } of outputs) {
      const text = renderReport(fileFormat, report, { explain: flags.explain })
      if (path === '-') await writeStdout(text)
      else await writeFile(path, text)
    }
    if (flags['github-summary']) {
      const summaryFile = process.env.GITHUB_STEP_SUMMARY
      if (summaryFile) await appendFile(summaryFile, renderReport('markdown', report))
      else process.stderr.write('--github-summary: GITHUB_STEP_SUMMARY is not set; no job summary written\n')
    }
    await writeStdout(renderReport(format, report, { color: shouldColor(flags.color), explain: flags.explain }))
    if (annotate) await writeStdout(renderReport('github', report))
    this.exit(exitCodeFor(report))
  }

  private parseOutput(spec: string): { format: ReportFormat; path: string } {
    const eq = spec.indexOf('=')
    const format = spec.slice(0, Math.max(0, eq)) as ReportFormat
    if (eq <= 0 || !REPORT_FORMATS.includes(format) || eq === spec.length - 1) {
      this.error(`--output "${spec}" is not FORMAT=PATH with a format of ${REPORT_FORMATS.join(', ')}`, {
        exit: 1,
        suggestions: ['--output sarif=partner-drift.sarif', '--output json=-'],
      })
    }
    return { format, path: spec.slice(eq + 1) }
  }

  private parseKinds(list: string): PolicyKind[] {
    const kinds = list.split(',').map((k) => k.trim()).filter(Boolean)
    const unknown = kinds.filter((k) => !(POLICY_KINDS as readonly string[]).includes(k))
    if (unknown.length > 0) {
      this.error(`--fail-on: unknown kind ${unknown.map((k) => `"${k}"`).join(', ')}; kinds: ${POLICY_KINDS.join(', ')}`, { exit: 1 })
    }
    return kinds as PolicyKind[]
  }
}
