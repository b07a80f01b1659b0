// Writes the V8 code cache of every CommonJS bundle that `--help`, `validate` and `check` load
// (@oclif/core, the two commands, yaml, the schema validators) beside the bundle, so that a run
// neither parses them nor compiles the functions it calls (src/code-cache.ts). The cache is taken
// after real runs on the bundled example, because V8 caches only the functions it has compiled,
// and it compiles a function when it is first called. Run by `npm run build` last; the caches
// match the Node that ran the build, and any other Node refuses them and compiles from source.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('..', import.meta.url)
const { CODE_CACHE_SUFFIX, codeCacheFile, loadedScripts } = await import(new URL('dist/src/code-cache.js', root).href)
const { execute } = await import(new URL('dist/src/cli/oclif.js', root).href)

// oclif ends the run with process.exit(): the caches are written as the process exits, and the
// example's expected outcome (drift, exit 2) is this script's success.
process.on('exit', (code) => {
  if (code !== 2) return console.error(`write-code-caches: the example check exited ${code}, not 2 (drift); no cache written`)
  for (const [file, script] of loadedScripts) writeFileSync(file + CODE_CACHE_SUFFIX, codeCacheFile(readFileSync(file), script.createCachedData()))
  write(`code caches: ${loadedScripts.size} bundles\n`)
  process.exitCode = 0
})

// The build may run inside a CI job (the GitHub Action builds on first use): the example's runs
// must not annotate that job or write to its summary.
for (const name of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'GITHUB_OUTPUT']) delete process.env[name]

const example = (file) => fileURLToPath(new URL(`examples/${file}`, root))
// The report goes nowhere: only the code it ran matters here.
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (_chunk, encoding, callback) => {
  ;(typeof encoding === 'function' ? encoding : callback)?.()
  return true
}
const dir = new URL('bin/run.js', root).href
await execute({ dir, args: ['--help'] })
await execute({ dir, args: ['validate', example('partner-drift.yaml')] })
await execute({ dir, args: ['check', example('partner-drift.yaml'), '--source', `snapshot:${example('snapshot.json')}`] })
