import { BaseCommand } from '../cli/base-command.js'
import { Args, Flags } from '../cli/oclif.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import type { Diagnostic } from '../input/diagnostics.js'
import { loadExceptionsFile, loadManifest } from '../manifest/load-manifest.js'
import type { UsageCode } from '../model/error-codes.js'

/** What validate says about one file; with --json, the list of these is the output. */
export interface ValidatedFile {
  file: string
  kind: 'manifest' | 'exceptions' | 'baseline'
  valid: boolean
  /** manifest: clusters declared and integrations expected; exceptions: exceptions; baseline: findings with a fingerprint. */
  counts: Record<string, number>
  diagnostics: Diagnostic[]
}

export default class Validate extends BaseCommand {
  static override summary = 'Check manifests, exceptions files and baselines, without contacting any source.'
  static override description = `Reports every problem of every file at once, each as FILE:LINE:COLUMN: key path: message [code], with a hint: manifests against the schema and the semantic rules, --exceptions files as check --exceptions reads them, --baseline files as check --baseline reads them.

Exits 1 when any file has a problem, 0 otherwise.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> partner-drift.yaml',
    '<%= config.bin %> <%= command.id %> manifests/*.yaml',
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --exceptions exceptions.yaml --baseline last-report.json',
    '<%= config.bin %> <%= command.id %> partner-drift.yaml --json',
  ]

  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    manifest: Args.string({ description: 'manifest file(s)' }),
  }

  static override flags = {
    region: Flags.string({ description: 'region for clusters whose manifest entry has none, as given to check', helpValue: 'REGION' }),
    'assume-role': Flags.string({ description: 'role to assume where the manifest has none, as given to check', helpValue: 'ARN' }),
    exceptions: Flags.string({ description: 'an exceptions file to check, as check --exceptions reads it (repeatable)', multiple: true, multipleNonGreedy: true, helpValue: 'FILE' }),
    baseline: Flags.string({ description: 'a baseline to check, as check --baseline reads it: a JSON report with a fingerprint on every finding (repeatable)', multiple: true, multipleNonGreedy: true, helpValue: 'FILE' }),
  }

  async run(): Promise<{ valid: boolean; files: ValidatedFile[] }> {
    const { argv, flags } = await this.parse(Validate)
    const manifests = argv as string[]
    if (manifests.length === 0 && !flags.exceptions?.length && !flags.baseline?.length) {
      this.error('nothing to validate: give one or more manifests, --exceptions FILE or --baseline FILE', { exit: 1, code: 'nothing-to-validate' satisfies UsageCode })
    }
    const files: ValidatedFile[] = []
    const report = async (checked: ValidatedFile): Promise<void> => {
      files.push(checked)
      if (this.jsonEnabled()) return
      if (checked.diagnostics.length > 0) process.stderr.write(diagnosticsText(checked.diagnostics))
      if (checked.valid) await writeStdout(`${checked.file}: valid ${describeCounts(checked)}\n`)
    }
    for (const file of manifests) {
      const { desired, diagnostics } = await loadManifest(file, { region: flags.region, assumeRole: flags['assume-role'] })
      const expected = desired?.clusters.reduce((n, c) => n + c.databases.reduce((m, d) => m + d.partners.length, 0), 0) ?? 0
      await report({ file, kind: 'manifest', valid: desired !== undefined, counts: desired ? { clusters: desired.clusters.length, expectedIntegrations: expected } : {}, diagnostics })
    }
    for (const file of flags.exceptions ?? []) {
      const { exceptions, diagnostics } = await loadExceptionsFile(file)
      const valid = !diagnostics.some((d) => d.severity === 'error')
      await report({ file, kind: 'exceptions', valid, counts: valid ? { exceptions: exceptions.length } : {}, diagnostics })
    }
    // Loaded only when asked for: validate of a manifest starts as fast as before.
    const { loadBaseline } = flags.baseline?.length ? await import('../policy/baseline.js') : { loadBaseline: undefined }
    for (const file of flags.baseline ?? []) {
      const { fingerprints, diagnostics } = await loadBaseline!(file)
      const valid = !diagnostics.some((d) => d.severity === 'error')
      await report({ file, kind: 'baseline', valid, counts: valid ? { findings: fingerprints.size } : {}, diagnostics })
    }
    const valid = files.every((f) => f.valid)
    // Set, not this.exit(): with --json the result is printed after run() returns.
    process.exitCode = valid ? 0 : 1
    return { valid, files }
  }
}

function describeCounts(checked: ValidatedFile): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  const { counts } = checked
  if (checked.kind === 'manifest') return `(${plural(counts.clusters ?? 0, 'cluster')}, ${plural(counts.expectedIntegrations ?? 0, 'expected integration')})`
  if (checked.kind === 'exceptions') return `exceptions file (${plural(counts.exceptions ?? 0, 'exception')})`
  return `baseline (${plural(counts.findings ?? 0, 'finding')} with a fingerprint)`
}
