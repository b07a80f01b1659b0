import { unknownCommandText } from '../usage-text.js'

/** The parts of oclif's Config the hook reads (the CLI takes @oclif/core from its bundle only). */
interface CommandsConfig {
  bin: string
  commands: ReadonlyArray<{ id: string; hidden?: boolean; aliases: readonly string[] }>
  topics: ReadonlyArray<{ name: string }>
}

/**
 * oclif's `command_not_found` hook: an unknown command exits 1 like every usage error, with the
 * closest command, on a terminal and in a CI log alike (@oclif/plugin-not-found suggests only
 * in an interactive prompt and exits 127).
 */
export default async function commandNotFound(this: { exit(code?: number): never }, options: { id: string; config: CommandsConfig }): Promise<void> {
  const ids = options.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  process.stderr.write(unknownCommandText(options.config.bin, options.id, [...ids, ...options.config.topics.map((t) => t.name)]))
  this.exit(1)
}
