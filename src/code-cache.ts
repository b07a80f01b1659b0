import { isAscii } from 'node:buffer'
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

/** The suffix of the code cache the build writes beside a bundle. */
export const CODE_CACHE_SUFFIX = '.v8-cache'

/**
 * A code cache file: the very bytes of the bundle it was made from, then V8's cache data. Compared
 * byte for byte, they need no hash: loading node:crypto for one took 6-7 ms of every run's start,
 * comparing 300 kB takes microseconds.
 */
export function codeCacheFile(source: Buffer, cachedData: Buffer): Buffer {
  return Buffer.concat([source, cachedData])
}

/**
 * Loads the CommonJS bundle `file` as require() would, but compiled with the V8 code cache the
 * build wrote beside it: no parsing, and the functions a run calls come already compiled (about
 * a quarter of the time loading @oclif/core took). The cache is used only for the exact bytes it
 * was made from: V8 itself checks only its version, its flags and the source's length, and would
 * run the cached code of another source of the same length. A cache that does not match is
 * ignored, or refused by V8, and the file is compiled from source as require() would. The build
 * writes the cache into the package's own folder, beside the code it stands for; it is never read
 * from anywhere a run or its input could write.
 *
 * A script compiled this way cannot use import() in Node 20, so the bundle gets `__hostImport`,
 * which does the import from this module (scripts/bundle-dependencies.js and bundle-commands.js
 * point the bundles' dynamic imports at it); nor can it require an ES module, so `provided` hands
 * it the ES modules it shares with its importer.
 */
export function requireBundle(file: string, provided: Readonly<Record<string, unknown>> = {}): unknown {
  if (loaded.has(file)) return loaded.get(file)
  const source = readFileSync(file)
  let cachedData: Buffer | undefined
  try {
    const cache = readFileSync(file + CODE_CACHE_SUFFIX)
    if (cache.byteLength > source.byteLength && cache.subarray(0, source.byteLength).equals(source)) cachedData = cache.subarray(source.byteLength)
  } catch {
    // No cache (a build by tsc alone, or one that could not write it): compiled from source.
  }
  // The bundles are ASCII (the build makes them so): read as such, which is several times faster than UTF-8.
  const text = source.toString(isAscii(source) ? 'latin1' : 'utf8')
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __hostImport) {${text}\n})`, { filename: file, cachedData })
  const module = { exports: {} as unknown }
  const load = script.runInThisContext() as (...args: unknown[]) => void
  const nodeRequire = createRequire(file)
  // `provided`: ES modules the bundle shares with its importer, by the specifier the bundle requires them with.
  const require = Object.assign((id: string) => (Object.hasOwn(provided, id) ? provided[id] : nodeRequire(id)), nodeRequire)
  load.call(module.exports, module.exports, require, module, file, dirname(file), (specifier: string) => import(specifier))
  loadedScripts.set(file, script)
  loaded.set(file, module.exports)
  return module.exports
}

/**
 * `requireBundle(file)`, or `fallback()` when the build wrote no such bundle (a build by tsc
 * alone, which is correct and only slower to start). Any other failure is thrown.
 */
export function requireBundleOr(file: string, fallback: () => unknown): unknown {
  try {
    return requireBundle(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || (error as NodeJS.ErrnoException).path !== file) throw error
    return fallback()
  }
}
