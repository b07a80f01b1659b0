import { createRequire } from 'node:module'

import type * as OclifArgs from '@oclif/core/args'
import type { Command as OclifCommand } from '@oclif/core/command'
import type { execute as oclifExecute } from '@oclif/core/execute'
import type * as OclifFlags from '@oclif/core/flags'

/** The parts of @oclif/core the CLI uses; bin/run.js, the commands and cli/ take them from here only. */
interface OclifCore {
  execute: typeof oclifExecute
  Command: typeof OclifCommand
  Flags: typeof OclifFlags
  Args: typeof OclifArgs
}

// The build bundles these parts into one file (scripts/bundle-dependencies.js): one module to
// resolve, read and compile at start-up instead of about a hundred. A build by tsc alone has no
// bundle, and then they come from node_modules. Both are CommonJS, so they load synchronously.
const require = createRequire(import.meta.url)
const BUNDLE = './oclif-core.cjs'

function loadOclif(): OclifCore {
  try {
    return require(BUNDLE) as OclifCore
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((error as Error).message).includes('oclif-core.cjs')) throw error
  }
  return {
    execute: (require('@oclif/core/execute') as { execute: typeof oclifExecute }).execute,
    Command: (require('@oclif/core/command') as { Command: typeof OclifCommand }).Command,
    Flags: require('@oclif/core/flags') as typeof OclifFlags,
    Args: require('@oclif/core/args') as typeof OclifArgs,
  }
}

export const { execute, Command, Flags, Args } = loadOclif()
