// Writes dist/src/cli/oclif-core.cjs: the parts of @oclif/core the CLI uses (execute, Command,
// Flags, Args), with everything they require, in one file. Node then reads, resolves and wraps
// one module at start-up instead of about a hundred; src/cli/oclif.ts loads it (and falls back
// to @oclif/core in node_modules for a build by tsc alone). Only the CLI's own copy is bundled:
// the engine, the public entry and every plugin are untouched, and a plugin loads its own
// @oclif/core as it always does. Run by `npm run build` after tsc.
import { build } from 'esbuild'

const entry = `module.exports = {
  execute: require('@oclif/core/execute').execute,
  Command: require('@oclif/core/command').Command,
  Flags: require('@oclif/core/flags'),
  Args: require('@oclif/core/args'),
}`

const result = await build({
  stdin: { contents: entry, resolveDir: new URL('..', import.meta.url).pathname, sourcefile: 'oclif-core-entry.cjs', loader: 'js' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: new URL('../dist/src/cli/oclif-core.cjs', import.meta.url).pathname,
  // Licence comments stay with the code they cover.
  legalComments: 'inline',
  logLevel: 'warning',
  metafile: true,
})
console.log(`oclif-core.cjs: ${Object.keys(result.metafile.inputs).length} modules in one file`)
