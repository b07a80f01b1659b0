import { Command } from './oclif.js'

import { describeFailure } from './output.js'
import { jsonWithoutRawControl } from '../untrusted-text.js'

/** Turns the failures users can cause (bad input, unknown source) into a message and exit 1, never a stack trace. */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    // this.exit() is how a command ends with a code: never an error to print, with --json or without.
    if ((error as Error & { code?: unknown }).code === 'EEXIT') throw error
    const known = describeFailure(error) ?? (await this.describeParseFailure(error))
    if (known) {
      process.stderr.write(known.text)
      this.exit(1)
    }
    return super.catch(error)
  }

  /**
   * What --json prints (oclif calls it with what run() returned): names from outside are in it,
   * so it is escaped like every JSON output, and never coloured.
   */
  protected override logJson(json: unknown): void {
    process.stdout.write(jsonWithoutRawControl(JSON.stringify(json, null, 2)) + '\n')
  }

  /** An unknown flag: a few lines with the closest flag, instead of the command's whole usage. */
  private async describeParseFailure(error: Error): Promise<{ text: string } | undefined> {
    if (error.constructor.name !== 'NonExistentFlagsError' || !Array.isArray((error as Error & { flags?: unknown }).flags)) return undefined
    const given = (error as Error & { flags: string[] }).flags
    const flags = Object.entries(this.ctor.flags ?? {}).flatMap(([name, flag]) => (flag.type === 'boolean' && flag.allowNo ? [name, `no-${name}`] : [name]))
    if (this.ctor.enableJsonFlag) flags.push('json')
    // Loaded only when needed: start-up is paid on every run.
    const { unknownFlagText } = await import('./usage-text.js')
    return { text: unknownFlagText(this.config.bin, this.id ?? '', given, flags) }
  }
}
