import { Command } from './oclif.js'

import { describeFailure } from './output.js'

/** Turns the failures users can cause (bad input, unknown source) into a message and exit 1, never a stack trace. */
export abstract class BaseCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const known = describeFailure(error)
    if (known) {
      process.stderr.write(known.text)
      this.exit(1)
    }
    return super.catch(error)
  }
}
