import { BaseCommand } from '../cli/base-command.js'
import { writeStdout } from '../cli/output.js'
import { inspectSources, type SourceInfo } from '../observe/source-registry.js'

export default class Sources extends BaseCommand {
  static override summary = 'List the sources --source can name: built-in ones and those of installed packages.'
  static override description = `Each source with its version, where it comes from (built-in, or the package that provides it), the source contract version it implements, and its options (set with --source NAME:VALUE for the shorthand option, --source-option KEY=VALUE for any).

Sources come only from the built-ins, the dependencies in ./package.json that declare "partner-drift": { "sources": {...} }, and packages installed with partner-drift plugins install. Exits 1 when an installed source cannot be used (its problem is shown).`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override enableJsonFlag = true

  async run(): Promise<{ sources: SourceInfo[]; problems: string[] }> {
    await this.parse(Sources)
    const listing = await inspectSources({ pluginRoots: this.config.getPluginsList().map((plugin) => plugin.root) })
    if (listing.problems.length > 0 || listing.sources.some((s) => s.problem)) process.exitCode = 1
    if (!this.jsonEnabled()) await writeStdout(renderSources(listing.sources, listing.problems))
    return listing
  }
}

function renderSources(sources: SourceInfo[], problems: string[]): string {
  const blocks = sources.map((s) => {
    const origin = s.package ? `${s.package.name}@${s.package.version}, ${s.package.installedAs === 'plugin' ? 'plugin' : 'dependency'}` : 'built-in'
    if (s.problem) return `${s.name} (${origin})\n  unusable: ${s.problem}`
    const lines = [`${s.name} ${s.version} (${origin}, contract ${s.contractVersion})`, `  ${s.description}`]
    const shorthand = s.options.find((o) => o.shorthand)
    if (shorthand) lines.push(`  usage: --source ${s.name}:${shorthand.name.toUpperCase()}`)
    if (s.options.length > 0) {
      lines.push('  options:')
      const width = Math.max(...s.options.map((o) => o.name.length))
      for (const o of s.options) {
        const traits = [o.type, o.required ? 'required' : '', o.shorthand ? 'shorthand' : ''].filter(Boolean).join(', ')
        lines.push(`    ${o.name.padEnd(width)}  ${traits}${o.description ? ` - ${o.description}` : ''}`)
      }
    }
    return lines.join('\n')
  })
  const notes = problems.map((p) => `ignored: ${p}`)
  return [...blocks, ...notes].join('\n\n') + '\n'
}
