import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** This package's own manifest schema (dist/src/cli/ -> the package root). */
const OWN_SCHEMA = fileURLToPath(new URL('../../../schemas/manifest.schema.json', import.meta.url))
const INSTALLED_SCHEMA = join('node_modules', 'partner-drift', 'schemas', 'manifest.schema.json')

/**
 * What a manifest written to `manifestPath` puts after `yaml-language-server: $schema=`: a path
 * relative to the manifest's directory (as the YAML language server resolves it), to the schema
 * of the partner-drift installed in the project (the nearest node_modules/partner-drift above the
 * manifest, so the reference holds on every clone), else to the schema of this partner-drift.
 */
export function manifestSchemaReference(manifestPath: string, cwd: string = process.cwd()): string {
  const from = manifestPath === '-' ? cwd : dirname(resolve(cwd, manifestPath))
  for (let at = from; ; at = dirname(at)) {
    if (existsSync(join(at, INSTALLED_SCHEMA))) return relativeReference(from, join(at, INSTALLED_SCHEMA))
    if (dirname(at) === at) break
  }
  return relativeReference(from, OWN_SCHEMA)
}

function relativeReference(from: string, to: string): string {
  const path = relative(from, to).split(sep).join('/')
  return path.startsWith('../') ? path : `./${path}`
}
