/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a fresh directory
 * with npm, offline, then the installed `partner-drift` run on the example it ships. Proves the
 * tarball carries everything the CLI needs (built dist, the oclif manifest, schemas, examples,
 * LICENSE) and nothing it needs comes from this repository or from devDependencies.
 *
 * Offline: a registry install resolves version ranges through the registry's package documents,
 * which `npm ci` never fetches (it installs the tarballs package-lock.json names). So the fresh
 * directory gets a lockfile made from this repository's: the same packages, the tarball in place
 * of the repository, every one of them already in the npm cache that `npm ci` filled.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { ANSI, runProcess } from './helpers/cli.js'
import { ROOT, tempDir, writeJson } from './helpers/source-packages.js'

const run = promisify(execFile)
const NPM_OFFLINE = { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }

const ctx = { prefix: '', tarball: '', files: [] as string[], setupProblem: '' }

interface LockEntry {
  version?: string
  dev?: boolean
  devOptional?: boolean
  [key: string]: unknown
}

/**
 * This repository's lockfile, turned into the lockfile of a directory that depends only on the
 * tarball: the root's runtime packages stay where they are (node_modules/X), the root becomes
 * node_modules/partner-drift from the tarball, and development-only packages are left out.
 */
async function lockfileFor(tarballName: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
  const spec = `file:${tarballName}`
  const packages: Record<string, unknown> = {
    '': { name: 'fresh', dependencies: { 'partner-drift': spec } },
    'node_modules/partner-drift': { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.devOptional) continue
    packages[path] = entry
  }
  return { name: 'fresh', lockfileVersion: 3, requires: true, packages }
}

function installedOrFail(): void {
  assert.is(ctx.setupProblem, '', 'npm pack and the offline install failed')
}

/** The installed bin, as a user's shell runs it, in the fresh directory. */
function installed(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const name of ['FORCE_COLOR', 'NO_COLOR']) if (!(name in env)) delete fullEnv[name]
  return runProcess(join(ctx.prefix, 'node_modules/.bin/partner-drift'), args, { cwd: ctx.prefix, env: fullEnv })
}

const pack = suite('package :: npm pack, installed offline into a fresh directory')

pack.before(async () => {
  try {
    await packAndInstall()
  } catch (error) {
    // uvu shows nothing of a failing hook: every test says why instead.
    const { message, stderr } = error as Error & { stderr?: string }
    ctx.setupProblem = `${message}\n${stderr ?? ''}`
  }
})

async function packAndInstall(): Promise<void> {
  const dir = await tempDir('package')
  // --ignore-scripts: the suite runs on the build it is part of (prepare would rebuild dist under the running tests).
  const packed = await run('npm', ['pack', ROOT, '--pack-destination', dir, '--ignore-scripts', '--json'], { cwd: dir, env: { ...process.env, ...NPM_OFFLINE }, maxBuffer: 16 << 20 })
  const [entry] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  ctx.tarball = join(dir, entry!.filename)
  ctx.files = entry!.files.map((f) => f.path)
  ctx.prefix = join(dir, 'fresh')
  await mkdir(ctx.prefix)
  await writeJson(join(ctx.prefix, 'package.json'), { name: 'fresh', private: true, dependencies: { 'partner-drift': `file:../${entry!.filename}` } })
  await writeFile(join(ctx.prefix, 'package-lock.json'), JSON.stringify(await lockfileFor(`../${entry!.filename}`), null, 2))
  await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ctx.prefix, env: { ...process.env, ...NPM_OFFLINE }, maxBuffer: 16 << 20 })
}

pack('the tarball ships the built CLI, its manifest, schemas, examples and LICENSE, and no sources or tests', () => {
  installedOrFail()
  for (const file of ['LICENSE', 'README.md', 'bin/run.js', 'oclif.manifest.json', 'dist/src/cli/oclif-core.cjs', 'dist/src/index.js', 'schemas/manifest.schema.json', 'examples/partner-drift.yaml']) {
    assert.ok(ctx.files.includes(file), `${file} is not in the tarball`)
  }
  assert.equal(ctx.files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/test/')), [])
})

pack('the LICENSE is the license package.json names', async () => {
  installedOrFail()
  const pkg = JSON.parse(await readFile(join(ctx.prefix, 'node_modules/partner-drift/package.json'), 'utf8')) as { license: string }
  const license = await readFile(join(ctx.prefix, 'node_modules/partner-drift/LICENSE'), 'utf8')
  assert.is(pkg.license, 'MIT')
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} partner-drift contributors\n/)
})

pack('the installed partner-drift checks the example it ships (drift, exit 2), with no devDependency in reach', async () => {
  installedOrFail()
  const examples = join(ctx.prefix, 'node_modules/partner-drift/examples')
  const result = await installed(['check', join(examples, 'partner-drift.yaml'), '--source', `snapshot:${join(examples, 'snapshot.json')}`, '--format', 'json'])
  assert.is(result.code, 2, result.stderr)
  const report = JSON.parse(result.stdout) as { outcome: string; summary: Record<string, number>; tool: { name: string; version: string } }
  assert.is(report.outcome, 'drift')
  assert.equal(report.tool, { name: 'partner-drift', version: '0.1.0' })
  for (const dev of ['typescript', 'esbuild', 'uvu', 'fast-check']) {
    assert.not.ok(await readFile(join(ctx.prefix, 'node_modules', dev, 'package.json')).then(() => true, () => false), `${dev} was installed`)
  }
})

pack('installed: help COMMAND, did-you-mean, shell completion and --color', async () => {
  installedOrFail()
  const xdg = join(ctx.prefix, 'xdg')
  const env = { XDG_CACHE_HOME: join(xdg, 'cache'), XDG_DATA_HOME: join(xdg, 'data'), XDG_CONFIG_HOME: join(xdg, 'config') }
  const examples = join(ctx.prefix, 'node_modules/partner-drift/examples')
  const [help, typo, completion, script, colour] = await Promise.all([
    installed(['help', 'check']),
    installed(['chek']),
    installed(['autocomplete', 'bash'], env),
    installed(['autocomplete', 'script', 'bash'], env),
    installed(['check', join(examples, 'partner-drift.yaml'), '--source', `snapshot:${join(examples, 'snapshot.json')}`, '--color']),
  ])
  assert.is(help.code, 0, help.stderr)
  assert.match(help.stdout, /USAGE\n {2}\$ partner-drift check \[MANIFEST\]/)
  assert.is(typo.code, 1)
  assert.match(typo.stderr, '"chek" is not a partner-drift command; did you mean "check"?')
  assert.is(completion.code, 0, completion.stderr)
  assert.match(completion.stdout, 'partner-drift autocomplete script bash')
  assert.is(script.code, 0, script.stderr)
  assert.match(script.stdout, /PARTNER_DRIFT_AC_BASH_SETUP_PATH=.*autocomplete\/bash_setup/)
  assert.is(colour.code, 2, colour.stderr)
  assert.match(colour.stdout, ANSI)
})

pack.run()
