import { BaseCommand } from '../cli/base-command.js'
import { Args, Flags } from '../cli/oclif.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import { loadManifest } from '../manifest/load-manifest.js'

export default class Validate extends BaseCommand {
  static override summary = 'Check manifests against the schema and the semantic rules, without contacting any source.'
  static override description =
    'Reports every problem of every manifest at once, each as FILE:LINE:COLUMN: key path: message, with a hint. Exits 1 when any manifest has a problem, 0 otherwise.'
  static override examples = ['<%= config.bin %> <%= command.id %> partner-drift.yaml', '<%= config.bin %> <%= command.id %> manifests/*.yaml']
  static override strict = false
  static override args = {
    manifest: Args.string({ description: 'manifest file(s)', required: true }),
  }

  static override flags = {
    region: Flags.string({ description: 'region for clusters whose manifest entry has none, as given to check', helpValue: 'REGION' }),
    'assume-role': Flags.string({ description: 'role to assume where the manifest has none, as given to check', helpValue: 'ARN' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate)
    let failed = false
    for (const file of argv as string[]) {
      const { desired, diagnostics } = await loadManifest(file, { region: flags.region, assumeRole: flags['assume-role'] })
      if (diagnostics.length > 0) process.stderr.write(diagnosticsText(diagnostics))
      if (!desired) {
        failed = true
        continue
      }
      const expected = desired.clusters.reduce((n, c) => n + c.databases.reduce((m, d) => m + d.partners.length, 0), 0)
      const clusters = desired.clusters.length
      await writeStdout(`${file}: valid (${clusters} cluster${clusters === 1 ? '' : 's'}, ${expected} expected integration${expected === 1 ? '' : 's'})\n`)
    }
    this.exit(failed ? 1 : 0)
  }
}
