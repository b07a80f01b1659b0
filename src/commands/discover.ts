import { BaseCommand } from '../cli/base-command.js'
import { Args } from '../cli/oclif.js'
import { observeFlags, observeRequestOf } from '../cli/observe-flags.js'
import { diagnosticsText, writeStdout } from '../cli/output.js'
import { renderDiscoveryListing } from '../report/render/discovery-listing.js'
import type { DiscoveryListing } from '../model/discovery.js'
import { runDiscovery } from '../run-discovery.js'

export default class Discover extends BaseCommand {
  static override summary = 'List the clusters discover: finds, with their tags and the rules and entries that cover each; no partner is judged.'
  static override description =
    'The tool for writing rules: one DescribeClusters per account and region (and the organization\'s accounts with discover: organization:), no DescribePartners. Exits 1 when an account or region could not be looked at.'
  static override examples = ['<%= config.bin %> <%= command.id %> partner-drift.yaml', '<%= config.bin %> <%= command.id %> partner-drift.yaml --source snapshot:snapshot.json --json']
  static override args = {
    manifest: Args.string({ description: 'manifest with discover: (and rules:)', default: 'partner-drift.yaml' }),
  }

  static override enableJsonFlag = true
  static override flags = {
    ...observeFlags,
  }

  async run(): Promise<DiscoveryListing | undefined> {
    const { args, flags } = await this.parse(Discover)
    const result = await runDiscovery({
      manifest: args.manifest,
      ...observeRequestOf(flags, this.config.getPluginsList().map((plugin) => plugin.root)),
      fallback: { region: flags.region, assumeRole: flags['assume-role'] },
    })
    if (result.diagnostics.length > 0) process.stderr.write(diagnosticsText(result.diagnostics))
    if (!result.listing) return this.exit(1)
    if (!this.jsonEnabled()) await writeStdout(renderDiscoveryListing(result.listing))
    // Set, not this.exit(): with --json the listing is printed after run() returns.
    process.exitCode = result.listing.exitCode
    return result.listing
  }
}
