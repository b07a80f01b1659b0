import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { requireBundleOr } from '../code-cache.js'

// The build bundles each of these packages into one CommonJS file beside this module
// (scripts/bundle-dependencies.js), loaded with its V8 code cache (src/code-cache.ts) on first
// use: a run that needs neither (a block-style manifest, a JSON snapshot, no drift to print as
// YAML) never loads them. A build by tsc alone has no bundles; the package then comes from node_modules.
const require = createRequire(import.meta.url)

export function requireVendored(name: 'yaml' | 'diff'): unknown {
  return requireBundleOr(fileURLToPath(new URL(`./${name}.cjs`, import.meta.url)), () => require(name))
}
