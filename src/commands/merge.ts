import { BaseCommand } from '../cli/base-command.js'
import { Args, Flags } from '../cli/oclif.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import { checkOutputTargets, writeOutputFiles } from '../cli/report-outputs.js'
import type { UsageCode } from '../model/error-codes.js'
import { reportProvenance } from '../report/provenance.js'
import { REPORT_FORMATS, renderReportChunks, type ReportFormat } from '../report/render/index.js'
import { mergeReports } from '../shard/merge-reports.js'
import { readShardReports } from '../shard/read-shard-reports.js'
import { escapeControl } from '../untrusted-text.js'

export default class Merge extends BaseCommand {
  static override summary = 'Join the JSON reports of check --shard I/N into the report one run would have given.'
  static override description = `Reads every shard's JSON report and writes one report, in any format, with the findings, summary, coverage, outcome and exit code of a single run.

It refuses (exit 1) when a shard is missing or given twice, when the reports come from different manifests, shard counts or versions, or when a file is not a readable shard report: a CI job that crashed never turns into a green gate.

Exit codes as check: 0 no failing finding; 2 drift; 1 a cluster or scope that could not be observed, or a merge that cannot be made.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> shard-1.json shard-2.json shard-3.json shard-4.json',
    '<%= config.bin %> <%= command.id %> reports/*.json --output sarif=partner-drift.sarif --output markdown=summary.md',
  ]

  static override strict = false
  static override args = {
    reports: Args.string({ description: 'shard reports (check --shard I/N --format json)', required: true }),
  }

  static override flags = {
    format: Flags.string({ char: 'f', description: 'report format on stdout [default: text]', options: [...REPORT_FORMATS] }),
    output: Flags.string({ char: 'o', description: `also write a report to a file, FORMAT=PATH (repeatable); formats: ${REPORT_FORMATS.join(', ')}`, multiple: true, multipleNonGreedy: true, helpValue: 'FORMAT=PATH' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Merge)
    const files = argv as string[]
    const { targets: outputs, problems } = await checkOutputTargets(flags.output ?? [], {
      formats: REPORT_FORMATS,
      stdoutFormat: flags.format,
      inputs: files.map((path) => ({ path, role: 'shard report' })),
    })
    if (problems.length > 0) this.error(problems.join('\n'), { exit: 1, code: 'output-target' satisfies UsageCode })
    const read = await readShardReports(files)
    if (read.diagnostics.length > 0) process.stderr.write(diagnosticsText(read.diagnostics))
    const merged = mergeReports(read.reports)
    if ('problems' in merged || read.diagnostics.length > 0) {
      const listed = 'problems' in merged ? merged.problems : []
      this.error([...listed.map(escapeControl), ...(read.diagnostics.length ? ['some reports could not be read (see above)'] : [])].join('\n'), { exit: 1, code: 'merge-incomplete' satisfies UsageCode })
    }
    const { report: joined } = merged as { report: NonNullable<Extract<typeof merged, { report: unknown }>['report']> }
    // The merged report is written now, by this partner-drift: not when and by what shard 1 was.
    const report = { ...joined, ...reportProvenance() }
    const format = (flags.format ?? outputs.find((o) => o.path === '-')?.format ?? 'text') as ReportFormat
    const failures = await writeOutputFiles(outputs, (fileFormat) => renderReportChunks(fileFormat, report))
    await writeStdout(renderReportChunks(format, report))
    if (failures.length > 0) {
      process.stderr.write(failures.map((f) => `Error: ${f}\nCode: ${'output-write' satisfies UsageCode}\n`).join(''))
      this.exit(1)
    }
    this.exit(report.exitCode)
  }
}
