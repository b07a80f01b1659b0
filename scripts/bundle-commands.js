// Bundles each compiled command, with every module of ours it imports, into the command's own
// file, so that a run resolves, reads and compiles a handful of modules instead of about seventy.
// Run by `npm run build` after tsc and scripts/bundle-dependencies.js (the vendor bundles are
// inlined too). Only the files oclif loads are replaced: every other compiled module stays where
// tsc put it, for the public entry, the built-in sources and the tests.
//
// - src/cli/oclif.js stays a module of its own: bin/run.js and every command must share one
//   @oclif/core, or a command's class would not be the Command that oclif checks against. So
//   does src/code-cache.js, which keeps the bundles it loaded for scripts/write-code-caches.js.
// - Built-in sources are imported by a path computed at run time, which esbuild leaves alone: a
//   source loads through the public entry as an outside package would.
// - `import.meta.url` means the file a module was compiled to (to find package.json, the schemas,
//   the generated validators); in a bundle it would mean the bundle. Each module's is rewritten to
//   the URL of its own compiled file, worked out from the bundle's place, so every path stays true.
import { build } from 'esbuild'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const commandsDir = `${root}dist/src/commands/`
// Modules with state for the whole process stay modules of their own, shared by every importer.
const sharedModules = new Set([`${root}dist/src/cli/oclif.js`, `${root}dist/src/code-cache.js`])

/** An esbuild plugin: the shared modules stay external; import.meta.url is each module's own compiled file. */
const keepModulePlaces = (bundleDir) => ({
  name: 'keep-module-places',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const path = fileURLToPath(new URL(args.path, `file://${args.resolveDir}/`))
      return sharedModules.has(path) ? { path: relative(bundleDir, path), external: true } : undefined
    })
    build.onLoad({ filter: /\/dist\/src\/.*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      let own = relative(bundleDir, args.path)
      if (!own.startsWith('.')) own = `./${own}`
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'js', resolveDir: dirname(args.path) }
    })
  },
})

for (const file of readdirSync(commandsDir).filter((f) => f.endsWith('.js'))) {
  const result = await build({
    entryPoints: [commandsDir + file],
    outfile: commandsDir + file,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'bundle',
    legalComments: 'inline',
    logLevel: 'warning',
    metafile: true,
    plugins: [keepModulePlaces(commandsDir)],
  })
  console.log(`commands/${file}: ${Object.keys(result.metafile.inputs).length} modules in one file`)
}
