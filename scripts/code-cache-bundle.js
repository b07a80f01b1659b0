// What every bundle that src/code-cache.ts loads needs, shared by scripts/bundle-dependencies.js
// and scripts/bundle-commands.js.
//
// src/code-cache.ts compiles a bundle as a vm script, where import() does not work in Node 20; it
// passes `__hostImport` instead. So a bundle's dynamic imports of a computed specifier (oclif
// imports commands and ES module plugins with `await import(path)`, lilconfig its configuration
// files, our source registry the sources) go through `__importModule`: the host's import when
// there is one, else import() itself (the bundle required as usual). esbuild bundles the imports
// of a package named in the code, so those are left alone.
import { readFile, writeFile } from 'node:fs/promises'

export const IMPORT_THROUGH_HOST = 'var __importModule = typeof __hostImport === "function" ? __hostImport : (specifier) => import(specifier);'

/** `text` (a module's source) with its imports of a computed specifier routed through the host. */
export function importsThroughHost(text) {
  return text.replace(/await import\((?!\s*['"])/g, 'await __importModule(')
}

/**
 * Checks and finishes a bundle written at `file` whose first line is the banner: a dynamic import
 * left in it would fail only when that path runs, so the build fails now; and esbuild escapes
 * non-ASCII characters everywhere but in regular expression literals (ansis has one), while one
 * such character makes Node decode the whole file as two-byte text, several times slower than
 * ASCII: \uXXXX means the same character in a regular expression, a string or a comment.
 */
export async function finishBundle(file) {
  const text = await readFile(file, 'utf8')
  const stray = text.split('\n').slice(1).filter((line) => /(?<![\w$.'"`])import\(/.test(line))
  if (stray.length) throw new Error(`${file}: import() not routed through __importModule:\n${stray.join('\n')}`)
  const ascii = text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (ascii !== text) await writeFile(file, ascii)
}
