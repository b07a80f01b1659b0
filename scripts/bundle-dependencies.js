// Bundles the dependencies every run loads, each into one file, so that Node reads, resolves
// and compiles one module at start-up instead of dozens to a hundred. Run by `npm run build`
// after tsc. Only the CLI's own copies are bundled: a plugin loads its own @oclif/core as it
// always does, and every module of ours stays a module of its own (the public entry and the
// plugins share them).
//
// - dist/src/cli/oclif-core.cjs: the parts of @oclif/core the CLI uses (execute, Command, Flags,
//   Args); src/cli/oclif.ts loads it, else @oclif/core from node_modules.
// - dist/src/vendor/NAME.js: src/vendor/NAME.ts is `export * from 'NAME'`, which tsc compiles to
//   a module that imports the package; here that output is replaced by a bundle of the same
//   exports. A build by tsc alone therefore works too, only slower to start.
import { build } from 'esbuild'

const root = new URL('..', import.meta.url)
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'inline', logLevel: 'warning', metafile: true }

async function bundle(name, options) {
  const result = await build({ ...common, ...options })
  console.log(`${name}: ${Object.keys(result.metafile.inputs).length} modules in one file`)
}

await bundle('oclif-core.cjs', {
  stdin: {
    contents: `module.exports = {
      execute: require('@oclif/core/execute').execute,
      Command: require('@oclif/core/command').Command,
      Flags: require('@oclif/core/flags'),
      Args: require('@oclif/core/args'),
    }`,
    resolveDir: root.pathname,
    sourcefile: 'oclif-core-entry.cjs',
    loader: 'js',
  },
  format: 'cjs',
  outfile: new URL('dist/src/cli/oclif-core.cjs', root).pathname,
})

for (const name of ['yaml', 'diff']) {
  // The exports by name, as Node presents the package to an ES module (yaml is CommonJS, whose
  // names esbuild cannot see through `export *`).
  const names = Object.keys(await import(name)).filter((n) => n !== 'default')
  await bundle(`vendor/${name}.js`, {
    stdin: { contents: `export { ${names.join(', ')} } from '${name}'`, resolveDir: root.pathname, sourcefile: `${name}-entry.js`, loader: 'js' },
    format: 'esm',
    // A CommonJS package bundled as an ES module still requires Node's built-ins.
    banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    outfile: new URL(`dist/src/vendor/${name}.js`, root).pathname,
  })
}
