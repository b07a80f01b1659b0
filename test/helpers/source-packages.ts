/**
 * For the suites about sources: lay out throwaway projects with installed source packages the way npm would, in a temp directory.
 */
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export { ROOT } from './cli.js'

const created: string[] = []
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory under the OS temp dir, by its real path (macOS /var -> /private/var); removed when the tests exit. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `partner-drift-${prefix}-`)))
  created.push(dir)
  return dir
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n')
}

/** A project directory whose package.json has these dependency fields. */
export async function writeProject(dir: string, fields: Record<string, Record<string, string>> = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeJson(join(dir, 'package.json'), { name: 'pipelines', version: '1.0.0', private: true, ...fields })
  return dir
}

export interface FixturePackage {
  name: string
  version?: string
  /** The value of the "partner-drift" key; omitted when undefined. */
  declaration?: unknown
  /** File name -> content. */
  files?: Record<string, string>
}

/** Writes `<dir>/<name>/` as npm would unpack it (`dir` is a node_modules folder or any folder). */
export async function writePackage(dir: string, pkg: FixturePackage): Promise<string> {
  const root = join(dir, pkg.name)
  await mkdir(root, { recursive: true })
  await writeJson(join(root, 'package.json'), {
    name: pkg.name,
    version: pkg.version ?? '1.0.0',
    type: 'module',
    ...(pkg.declaration === undefined ? {} : { 'partner-drift': pkg.declaration }),
  })
  for (const [file, content] of Object.entries(pkg.files ?? {})) {
    await mkdir(join(root, file, '..'), { recursive: true })
    await writeFile(join(root, file), content)
  }
  return root
}

/**
 * The text of a source module (plain JS, as a package would ship it). With `marker`, importing
 * the module writes that file: proof of whether the code was ever loaded.
 */
export function sourceModule(options: { name: string; contractVersion?: string; marker?: string; observed?: unknown }): string {
  return [
    options.marker ? `import { writeFileSync } from 'node:fs'\nwriteFileSync(${JSON.stringify(options.marker)}, 'imported')` : '',
    `export default {`,
    `  name: ${JSON.stringify(options.name)},`,
    `  version: '2.3.4',`,
    `  contractVersion: ${JSON.stringify(options.contractVersion ?? '1.0')},`,
    `  description: 'fixture source ${options.name}',`,
    `  options: { shorthand: 'path', schema: { type: 'object', additionalProperties: false, properties: { path: { type: 'string', description: 'anything' } } } },`,
    `  open() {`,
    `    return { observe: async () => (${JSON.stringify(options.observed ?? { kind: 'observed', observedAt: '2026-11-24T10:00:00Z', integrations: [] })}) }`,
    `  },`,
    `}`,
  ].join('\n')
}
