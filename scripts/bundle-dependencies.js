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
import { readFile } from 'node:fs/promises'

const root = new URL('..', import.meta.url)
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'inline', logLevel: 'warning', metafile: true }

async function bundle(name, options) {
  const result = await build({ ...common, ...options })
  console.log(`${name}: ${Object.keys(result.metafile.inputs).length} modules in one file`)
  return options.outfile
}

// oclif's logger loads `debug` (and with it supports-color and tty) on every run, only to print
// nothing unless DEBUG names an oclif namespace. In the bundle the logger gets a stand-in that
// loads the real `debug` when DEBUG is set and otherwise hands out loggers that do nothing.
const debugOnDemand = {
  name: 'debug-on-demand',
  setup(build) {
    build.onResolve({ filter: /^debug$/ }, (args) =>
      args.importer.endsWith('/@oclif/core/lib/logger.js') ? { path: 'debug-on-demand', namespace: 'debug-on-demand' } : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'debug-on-demand' }, () => ({
      contents: `
        function off(namespace) {
          const log = () => {}
          return Object.assign(log, { enabled: false, namespace, extend: (sub, delimiter = ':') => off(namespace + delimiter + sub) })
        }
        module.exports = process.env.DEBUG ? require('debug') : Object.assign(off, { enabled: () => false, enable() {}, disable: () => '' })
      `,
      resolveDir: root.pathname,
      loader: 'js',
    }))
  },
}

// src/code-cache.ts loads this bundle as a vm script, where import() does not work in Node 20; it
// passes `__hostImport` instead. oclif imports commands and ES module plugins with `await
// import(path)`, and lilconfig (its configuration reader) likewise, so those calls go through
// `__importModule`: the host's import when there is one, else import() itself (the bundle
// required as usual).
const importThroughHost = {
  name: 'import-through-host',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      // Only imports of a computed specifier: esbuild bundles those of a package named in the code.
      const computed = /await import\((?!\s*['"])/g
      return computed.test(text) ? { contents: text.replace(computed, 'await __importModule('), loader: 'js' } : undefined
    })
  },
}

const oclifCore = await bundle('oclif-core.cjs', {
  plugins: [debugOnDemand, importThroughHost],
  banner: { js: 'var __importModule = typeof __hostImport === "function" ? __hostImport : (specifier) => import(specifier);' },
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
// A dynamic import left in the bundle would fail only when that path runs: refuse the build now.
const stray = (await readFile(oclifCore, 'utf8')).split('\n').slice(1).filter((line) => /(?<![\w$.'"`])import\(/.test(line))
if (stray.length) throw new Error(`oclif-core.cjs: import() not routed through __importModule:\n${stray.join('\n')}`)

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
