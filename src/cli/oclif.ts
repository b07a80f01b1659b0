import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import type * as OclifArgs from '@oclif/core/args'
import type { Command as OclifCommand } from '@oclif/core/command'
import type { execute as oclifExecute } from '@oclif/core/execute'
import type * as OclifFlags from '@oclif/core/flags'

import { requireBundleOr } from '../code-cache.js'

/** The parts of @oclif/core the CLI uses; bin/run.js, the commands and cli/ take them from here only. */
interface OclifCore {
  execute: typeof oclifExecute
  Command: typeof OclifCommand
  Flags: typeof OclifFlags
  Args: typeof OclifArgs
}

// The build bundles these parts into one file (scripts/bundle-dependencies.js), loaded with its
// V8 code cache (src/code-cache.ts): one module to read, and little to compile, instead of about
// a hundred. A build by tsc alone has no bundle, and then they come from node_modules.
const require = createRequire(import.meta.url)
const BUNDLE = fileURLToPath(new URL('./oclif-core.cjs', import.meta.url))

function loadOclif(): OclifCore {
  return requireBundleOr(BUNDLE, () => ({
    execute: (require('@oclif/core/execute') as { execute: typeof oclifExecute }).execute,
    Command: (require('@oclif/core/command') as { Command: typeof OclifCommand }).Command,
    Flags: require('@oclif/core/flags') as typeof OclifFlags,
    Args: require('@oclif/core/args') as typeof OclifArgs,
  })) as OclifCore
}

export const { execute, Command, Flags, Args } = loadOclif()
