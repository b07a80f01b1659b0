import { appendFile } from 'node:fs/promises'

import { runCheck } from '../check.js'
import { runReview } from '../review/run-review.js'
import { BaseCommand } from '../cli/base-command.js'
import { Args, Flags } from '../cli/oclif.js'
import { observeFlags, observeRequestOf, ProgressLine, shouldShowProgress } from '../cli/observe-flags.js'
import { diagnosticsText, shouldColor, writeStdout } from '../cli/output.js'
import { repositoryRootOf } from '../cli/repository-root.js'
import { checkOutputTargets, type InputFile, sourceInputFiles, writeOutputFiles } from '../cli/report-outputs.js'
import type { UsageCode } from '../model/error-codes.js'
import { POLICY_KINDS, type PolicyKind } from '../model/finding-kinds.js'
import { parseSourceSpec } from '../observe/source-registry.js'
import { annotationOverflowSummary } from '../report/render/github.js'
import { REPORT_FORMATS, renderReport, renderReportChunks, type ReportFormat } from '../report/render/index.js'
import { parseShard } from '../shard/assign-shards.js'
import { escapeControl } from '../untrusted-text.js'

export default class Check extends BaseCommand {
  static override summary = 'Compare the partner integrations a manifest declares with what a source observes.'
  static override description = `Reads the manifest, observes every declared cluster through the chosen source, and reports missing, extra, forbidden, unhealthy and stale integrations like terraform plan.

One observation of every cluster can write several reports: --format for stdout, and --output FORMAT=PATH (repeatable) for files. Under GitHub Actions (GITHUB_ACTIONS=true) with no --format, the text report is followed by ::error annotations on the manifest lines: the most severe, within GitHub's limit of 10 of each level per step, and one more that counts the rest (also noted in $GITHUB_STEP_SUMMARY).

Every report names files relative to the repository root (GITHUB_WORKSPACE, CI_PROJECT_DIR, else the nearest directory above with .git, else the current directory), as code scanning, annotations and GitLab match them.

--audit judges as if there were no exceptions and no baseline (a periodic audit sees everything acceptance hides). --attribute adds who last changed each drifting integration, from CloudTrail; it never changes the verdict or the exit code.

Review mode (--base BASE) judges a change to the manifest: BASE is the manifest before the change, a file or REV:PATH read with git from the manifest's repository (origin/main:infra/partner-drift.yaml; PATH from the repository's root as in git, REV:./PATH from the current directory; an existing file wins; a PATH not at REV is an empty base). Reality is observed once for the clusters of both; each finding is reported as introduced by the change or unchanged, and what the base found that the head no longer does as resolved, beside the expectations added, removed and changed. Only failing findings the change introduces (or makes fail) fail the run; unchanged ones are shown as known; errors always fail.

Exit codes: 0 no failing finding (warnings allowed); 2 drift, and every cluster was observed; 1 invalid input, bad usage, or any cluster that could not be observed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/partner-drift.yaml --source snapshot:examples/snapshot.json',
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --format json > report.json',
    '<%= config.bin %> <%= command.id %> --output sarif=partner-drift.sarif --output junit=partner-drift.xml --output markdown=summary.md',
    '<%= config.bin %> <%= command.id %> --baseline last-report.json --fail-on missing,forbidden',
    '<%= config.bin %> <%= command.id %> --format diff',
    '<%= config.bin %> <%= command.id %> infra/partner-drift.yaml --base origin/main:infra/partner-drift.yaml --format markdown',
    '<%= config.bin %> <%= command.id %> --output codequality=gl-code-quality.json --output junit=partner-drift.xml',
    '<%= config.bin %> <%= command.id %> --audit --attribute --format markdown',
  ]

  static override args = {
    manifest: Args.string({ description: 'manifest file', default: 'partner-drift.yaml' }),
  }

  static override flags = {
    ...observeFlags,
    format: Flags.string({ char: 'f', description: 'report format on stdout [default: text]', options: [...REPORT_FORMATS] }),
    output: Flags.string({
      char: 'o',
      description: `also write a report to a file, FORMAT=PATH (repeatable; written whole or not at all; - puts that format on stdout instead of --format); formats: ${REPORT_FORMATS.join(', ')}`,
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'FORMAT=PATH',
    }),
    color: Flags.boolean({ description: 'colour the text report even in a pipe; --no-color never (default: only on a terminal, following NO_COLOR and FORCE_COLOR)', allowNo: true }),
    explain: Flags.boolean({ description: 'show the full fix under each finding: AWS CLI commands, Terraform, manifest lines' }),
    'fail-on': Flags.string({ description: `kinds that fail the run; the others only warn (overrides the manifest policy; errors always fail): ${POLICY_KINDS.join(',')}`, helpValue: 'KIND,...' }),
    exceptions: Flags.string({ description: 'exceptions file (an `exceptions:` list as in the manifest), in addition to the manifest\'s', helpValue: 'FILE' }),
    base: Flags.string({ description: 'review a change: the manifest before it, a file or REV:PATH (e.g. origin/main:infra/partner-drift.yaml); fail only on findings the change introduces (errors always fail)', helpValue: 'BASE' }),
    baseline: Flags.string({ description: 'a previous JSON report: fail only on findings that are new since', helpValue: 'FILE' }),
    audit: Flags.boolean({ description: 'judge as if there were no exceptions and no baseline: what they would accept fails, and each such finding names the exception or baseline that would have accepted it' }),
    attribute: Flags.boolean({ description: 'name who last changed each missing, extra, unmanaged, forbidden and unhealthy integration, from CloudTrail (AddPartner, DeletePartner, UpdatePartnerStatus in the last 90 days; needs cloudtrail:LookupEvents); never changes the verdict' }),
    'github-summary': Flags.boolean({ description: 'append the Markdown report to $GITHUB_STEP_SUMMARY' }),
    shard: Flags.string({ description: 'observe only shard I of N (1-based, as CI matrices count): its accounts and regions; partner-drift merge joins the shards\' JSON reports', helpValue: 'I/N' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Check)
    const failOn = flags['fail-on'] === undefined ? undefined : this.parseKinds(flags['fail-on'])
    const shard = flags.shard === undefined ? undefined : parseShard(flags.shard)
    if (shard && 'problem' in shard) this.error(escapeControl(shard.problem), { exit: 1, code: 'invalid-flag' satisfies UsageCode })
    // A review compares whole manifests; a shard's report would call another shard's findings resolved.
    if (shard && flags.base !== undefined) this.error('--base and --shard cannot be used together: a review observes and judges both manifests whole', { exit: 1, code: 'invalid-flag' satisfies UsageCode })
    // Every output target is checked before the first API call: a typo must not cost a whole run against the API.
    const { targets: outputs, problems } = await checkOutputTargets(flags.output ?? [], {
      formats: REPORT_FORMATS,
      stdoutFormat: flags.format,
      inputs: inputFiles(args.manifest, flags),
    })
    if (problems.length > 0) this.error(problems.join('\n'), { exit: 1, code: 'output-target' satisfies UsageCode })
    // `--output FORMAT=-` puts that format on stdout instead of the text report: stdout carries one document.
    const format = (flags.format ?? outputs.find((o) => o.path === '-')?.format ?? 'text') as ReportFormat
    const annotate = flags.format === undefined && format === 'text' && process.env.GITHUB_ACTIONS === 'true'

    const progress = shouldShowProgress(format) ? new ProgressLine(process.stderr) : undefined
    const request = {
      manifest: args.manifest,
      ...observeRequestOf(flags, this.config.getPluginsList().map((plugin) => plugin.root)),
      fallback: { region: flags.region, assumeRole: flags['assume-role'] },
      onProgress: progress?.update,
      policy: { failOn, exceptionsFile: flags.exceptions, baselineFile: flags.baseline, ...(flags.audit ? { audit: true } : {}) },
      ...(flags.attribute ? { attribute: true } : {}),
      repositoryRoot: repositoryRootOf(process.env, process.cwd(), args.manifest),
    }
    const result = flags.base === undefined ? await runCheck({ ...request, ...(shard ? { shard } : {}) }) : await runReview({ ...request, base: flags.base })
    progress?.clear()
    if (result.diagnostics.length > 0) process.stderr.write(diagnosticsText(result.diagnostics))
    if (!result.report) this.exit(1)
    const report = result.report!

    // Annotations beyond GitHub's limits are left out, with a note naming a file that holds every finding.
    const fullReport = completeReportFile(outputs)
    const annotationOptions = { ...(fullReport ? { fullReport } : {}), textReportInLog: annotate }
    // One output failing stops neither the others nor the stdout report; the run then exits 1.
    const failures = await writeOutputFiles(outputs, (fileFormat) => renderReportChunks(fileFormat, report, { explain: flags.explain, ...annotationOptions, textReportInLog: false }))
    const summaryFile = process.env.GITHUB_STEP_SUMMARY
    if (flags['github-summary']) {
      if (!summaryFile) process.stderr.write('--github-summary: GITHUB_STEP_SUMMARY is not set; no job summary written\n')
      else await appendFile(summaryFile, renderReport('markdown', report)).catch((error: NodeJS.ErrnoException) => failures.push(`could not append the job summary to GITHUB_STEP_SUMMARY: ${error.code ?? error.message}`))
    }
    await writeStdout(renderReportChunks(format, report, { color: shouldColor(flags.color), explain: flags.explain, ...annotationOptions, textReportInLog: false }))
    if (annotate) await writeStdout(renderReport('github', report, annotationOptions))
    // The job summary says so too when annotations were left out: the note annotation alone is easy to miss.
    const annotatedHere = annotate || (format === 'github' && process.env.GITHUB_ACTIONS === 'true')
    const overflow = annotatedHere ? annotationOverflowSummary(report, annotationOptions) : ''
    if (overflow && summaryFile) {
      await appendFile(summaryFile, overflow).catch((error: NodeJS.ErrnoException) => failures.push(`could not append to the job summary GITHUB_STEP_SUMMARY: ${error.code ?? error.message}`))
    }
    if (failures.length > 0) {
      process.stderr.write(failures.map((f) => `Error: ${f}\nCode: ${'output-write' satisfies UsageCode}\n`).join(''))
      this.exit(1)
    }
    this.exit(report.exitCode)
  }

  private parseKinds(list: string): PolicyKind[] {
    const kinds = list.split(',').map((k) => k.trim()).filter(Boolean)
    // An unset CI variable (`--fail-on "$KINDS"`) must not turn every kind into a warning.
    if (kinds.length === 0) {
      this.error(`--fail-on: the list of kinds is empty; give one or more of ${POLICY_KINDS.join(', ')} (or leave out --fail-on to use the manifest's policy)`, { exit: 1, code: 'invalid-flag' satisfies UsageCode })
    }
    const unknown = kinds.filter((k) => !(POLICY_KINDS as readonly string[]).includes(k))
    if (unknown.length > 0) {
      this.error(`--fail-on: unknown kind ${unknown.map((k) => `"${escapeControl(k)}"`).join(', ')}; kinds: ${POLICY_KINDS.join(', ')}`, { exit: 1, code: 'invalid-flag' satisfies UsageCode })
    }
    return kinds as PolicyKind[]
  }
}

/** A report file this run writes that holds every finding, as the command line named it. */
function completeReportFile(outputs: ReadonlyArray<{ format: string; path: string; written: string }>): string | undefined {
  for (const format of ['json', 'text', 'sarif', 'junit']) {
    const file = outputs.find((o) => o.format === format && o.path !== '-')
    if (file) return file.written
  }
  return undefined
}

/** The files this run reads, which no report may overwrite. */
function inputFiles(manifest: string, flags: { source: string; 'source-option'?: string[]; exceptions?: string; baseline?: string; base?: string }): InputFile[] {
  return [
    { role: 'manifest', path: manifest },
    ...(flags.base ? [{ role: '--base', path: flags.base }] : []),
    ...sourceInputFiles(parseSourceSpec(flags.source), flags['source-option'] ?? []),
    ...(flags.exceptions ? [{ role: 'exceptions file', path: flags.exceptions }] : []),
    ...(flags.baseline ? [{ role: 'baseline', path: flags.baseline }] : []),
  ]
}
