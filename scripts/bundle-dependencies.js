// Bundles the dependencies a run loads, each into one CommonJS file, so that Node reads one
// module instead of dozens to a hundred; src/code-cache.ts loads each with the V8 code cache
// scripts/write-code-caches.js writes beside it. Run by `npm run build` after tsc. Only the CLI's
// own copies are bundled: a plugin loads its own @oclif/core as it always does. A build by tsc
// alone has no bundles, and then the packages come from node_modules: correct, only slower to start.
//
// - dist/src/cli/oclif-core.cjs: the parts of @oclif/core the CLI uses (execute, Command, Flags,
//   Args), loaded by src/cli/oclif.ts.
// - dist/src/vendor/yaml.cjs and diff.cjs: the yaml and diff packages, loaded on first use by
//   src/vendor/require-vendored.ts.
import { build } from 'esbuild'
import { readFile } from 'node:fs/promises'

import { finishBundle, IMPORT_THROUGH_HOST, importsThroughHost } from './code-cache-bundle.js'

const root = new URL('..', import.meta.url)
// Whitespace minified only: names stay (oclif and our commands tell errors apart by their class
// names), and reading a third less text is a few milliseconds on every run.
const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'inline', logLevel: 'warning', metafile: true, minifyWhitespace: true }

async function bundle(name, options) {
  const result = await build({ ...common, ...options })
  console.log(`${name}: ${Object.keys(result.metafile.inputs).length} modules in one file`)
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

// The dynamic imports of a computed specifier in @oclif/core and lilconfig go through the host (scripts/code-cache-bundle.js).
const importThroughHost = {
  name: 'import-through-host',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const routed = importsThroughHost(text)
      return routed === text ? undefined : { contents: routed, loader: 'js' }
    })
  },
}

// oclif's help passes every summary and description through ejs, which compiles each one into a
// new function, even when it holds no template tag (about 9 ms of a `--help`). A text without
// `<%` renders as itself in ejs, so it is returned as it is.
const helpTextWithoutTags = {
  name: 'help-text-without-tags',
  setup(build) {
    build.onLoad({ filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]help[\\/]util\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const render = 'return ejs_1.default.render(t, context);'
      if (!text.includes(render)) throw new Error(`${args.path}: \`${render}\` not found; see help-text-without-tags in ${import.meta.url}`)
      return { contents: text.replace(render, 'return t.includes("<%") ? ejs_1.default.render(t, context) : t;'), loader: 'js' }
    })
  },
}

// oclif requires child_process (to name the parent process under WSL), readline (to read a flag's
// value from stdin) and perf_hooks (for OCLIF_PERFORMANCE) when it loads, on every run: together
// about 5 ms of a `validate`. In the bundle each of the three is loaded on its first use. And the
// platform oclif asks for on every run comes from wsl-utils, whose modules require child_process
// as they load (another 5 ms); is-wsl, the package wsl-utils takes `isWsl` from, gives the same
// answer without it.
const LAZY_BUILTINS = /require\("node:(child_process|readline|perf_hooks)"\)/g
const WSL_CHECK = "(await import('wsl-utils')).isWsl"
const builtinsOnFirstUse = {
  name: 'builtins-on-first-use',
  setup(build) {
    build.onLoad({ filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/](util[\\/]os|parser[\\/]parse|performance)\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8')
      if (/[\\/]util[\\/]os\.js$/.test(args.path)) {
        if (!text.includes(WSL_CHECK)) throw new Error(`${args.path}: \`${WSL_CHECK}\` not found; see builtins-on-first-use in ${import.meta.url}`)
        text = text.replace(WSL_CHECK, "(await import('is-wsl')).default")
      }
      const lazy = text.replace(LAZY_BUILTINS, (_, name) => `new Proxy({}, { get: (_, key) => require("node:${name}")[key] })`)
      if (lazy === text) throw new Error(`${args.path}: no require of child_process, readline or perf_hooks; see builtins-on-first-use in ${import.meta.url}`)
      return { contents: importsThroughHost(lazy), loader: 'js' }
    })
  },
}

/** One CommonJS bundle of `entry` (CommonJS source), its dynamic imports routed through the host. */
async function bundleCommonJs(name, entry, outfile, plugins = []) {
  await bundle(name, {
    plugins: [...plugins, importThroughHost],
    banner: { js: IMPORT_THROUGH_HOST },
    stdin: { contents: entry, resolveDir: root.pathname, sourcefile: `${name}-entry.cjs`, loader: 'js' },
    format: 'cjs',
    outfile: new URL(outfile, root).pathname,
  })
  await finishBundle(new URL(outfile, root).pathname)
}

await bundleCommonJs(
  'oclif-core.cjs',
  `module.exports = {
    execute: require('@oclif/core/execute').execute,
    Command: require('@oclif/core/command').Command,
    Flags: require('@oclif/core/flags'),
    Args: require('@oclif/core/args'),
  }`,
  'dist/src/cli/oclif-core.cjs',
  [debugOnDemand, helpTextWithoutTags, builtinsOnFirstUse],
)
for (const name of ['yaml', 'diff']) await bundleCommonJs(`vendor/${name}.cjs`, `module.exports = require('${name}')`, `dist/src/vendor/${name}.cjs`)
