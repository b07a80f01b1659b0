/**
 * For the suites about sources: run the real CLI from any directory (with stdin), and lay out
 * throwaway projects with installed source packages the way npm would, in a temp directory.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// dist/test/helpers/ -> the package root.
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * `node <repo>/bin/run.js ARGS` in `cwd`, with `input` on stdin. AWS settings of the machine
 * running the tests are cut off so that no run can reach a real account.
 */
export function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name === 'FORCE_COLOR' || name === 'NO_COLOR') delete env[name]
  Object.assign(env, { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' }, options.env)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: options.cwd ?? ROOT, env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill(), 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

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
