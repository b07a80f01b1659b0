#!/usr/bin/env node
import { execute } from '../dist/src/cli/oclif.js'

const args = process.argv.slice(2)
// Only `plugins ...` pays for loading the rewrite of local paths (src/cli/plugin-install-path.ts).
const argv = args[0]?.startsWith('plugins') ? (await import('../dist/src/cli/plugin-install-path.js')).localPluginArgv(args) : args
await execute({ dir: import.meta.url, args: argv })
