import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { Script } from 'node:vm'

/**
 * The CommonJS bundles loaded through here, by file, with the script each was compiled to:
 * scripts/write-code-caches.js runs a command and then writes the cache of each.
 */
export const loadedScripts = new Map<string, Script>()
const loaded = new Map<string, unknown>()

/** The suffix of the V8 code cache the build writes beside a bundle. */
export const CODE_CACHE_SUFFIX = '.v8-cache'

/**
 * Loads the CommonJS bundle `file` as require() would, but compiled with the V8 code cache the
 * build wrote beside it: no parsing, and the functions a run calls come already compiled (about
 * a third of the time loading @oclif/core takes). V8 checks the cache against the source, its own
 * version and the flags, and refuses one that does not match (another Node, a changed bundle);
 * the file is then compiled from source as require() would. The cache is written by the build
 * into the package's own folder, which holds the code it stands for: it is never read from
 * anywhere a run or its input could write.
 *
 * A script compiled this way cannot use import() in Node 20, so the bundle gets `__hostImport`,
 * which does the import from this module (scripts/bundle-dependencies.js points the bundle's
 * dynamic imports at it).
 */
export function requireBundle(file: string): unknown {
  if (loaded.has(file)) return loaded.get(file)
  const source = readFileSync(file, 'utf8')
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(file + CODE_CACHE_SUFFIX)
  } catch {
    // No cache (a build by tsc alone, or one that could not write it): compiled from source.
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __hostImport) {${source}\n})`, { filename: file, cachedData })
  const module = { exports: {} as unknown }
  const load = script.runInThisContext() as (...args: unknown[]) => void
  load.call(module.exports, module.exports, createRequire(file), module, file, dirname(file), (specifier: string) => import(specifier))
  loadedScripts.set(file, script)
  loaded.set(file, module.exports)
  return module.exports
}
