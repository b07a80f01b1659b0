/**
 * What the build generates for start-up speed, checked against what it stands for:
 * oclif.manifest.json against the compiled commands, the validators generated for the
 * built-in JSON Schemas against the schemas and against ajv compiling them at run time, and the
 * bundles and their V8 code caches.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { Command } from '@oclif/core/command'

import { readDocument } from '../src/input/document.js'
import { checkAgainstSchema, isPrecompiled, type JsonSchema } from '../src/input/schema-check.js'
import { OBSERVATION_SCHEMA } from '../src/observe/observation-check.js'
import { exceptionsFileSchema, loadSchema } from '../src/schemas.js'
import { STATE_SCHEMA } from '../plugins/tfstate/index.js'
import { awsTestEnv, FIXTURES, ROOT, runCli } from './helpers/cli.js'

const run = promisify(execFile)
const DIST = `${ROOT}dist/`

interface ManifestCommand {
  summary?: string
  description?: string
  examples?: string[]
  args: Record<string, { description?: string; default?: unknown; required?: boolean }>
  flags: Record<string, { char?: string; description?: string; type: string; multiple?: boolean; default?: unknown; options?: string[] }>
}
const manifest = JSON.parse(readFileSync(`${ROOT}oclif.manifest.json`, 'utf8')) as { version: string; commands: Record<string, ManifestCommand> }
const commandFiles = readdirSync(`${DIST}src/commands`).filter((f) => f.endsWith('.js'))

const oclifManifest = suite('generated :: oclif.manifest.json')

oclifManifest('is what the compiled commands say now', async () => {
  // The generator's --check rebuilds the manifest from the commands and compares it byte for byte.
  await run(process.execPath, [`${ROOT}scripts/generate-oclif-manifest.js`, '--check'])
})

oclifManifest('has the package version, or oclif ignores it', () => {
  assert.is(manifest.version, (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version)
})

oclifManifest('lists every command, each with its flags, args and help texts', async () => {
  assert.equal(Object.keys(manifest.commands).sort(), commandFiles.map((f) => f.replace(/\.js$/, '')).sort())
  for (const file of commandFiles) {
    const id = file.replace(/\.js$/, '')
    const command = (await import(`${DIST}src/commands/${file}`)).default as typeof Command
    const cached = manifest.commands[id]
    assert.is(cached.summary, command.summary, `${id} summary`)
    assert.is(cached.description, command.description, `${id} description`)
    assert.equal(cached.examples, command.examples, `${id} examples`)
    assert.equal(Object.keys(cached.args), Object.keys(command.args ?? {}), `${id} args`)
    for (const [name, arg] of Object.entries(command.args ?? {})) {
      assert.is(cached.args[name].description, arg.description, `${id} ${name}`)
      assert.equal(cached.args[name].default, arg.default, `${id} ${name} default`)
    }
    const flags = { ...command.baseFlags, ...command.flags }
    // enableJsonFlag adds oclif's --json.
    assert.equal(Object.keys(cached.flags).sort(), [...Object.keys(flags), ...(command.enableJsonFlag ? ['json'] : [])].sort(), `${id} flags`)
    for (const [name, flag] of Object.entries(flags)) {
      const shown = cached.flags[name]
      assert.is(shown.char, flag.char, `${id} --${name} char`)
      assert.is(shown.description, flag.description, `${id} --${name} description`)
      assert.is(shown.type, flag.type, `${id} --${name} type`)
      if (flag.type === 'option') assert.equal(shown.options, flag.options, `${id} --${name} options`)
      // oclif keeps the default of an option flag (shown in help), not of a boolean one.
      if (flag.type === 'option' && typeof flag.default !== 'function') assert.equal(shown.default, flag.default, `${id} --${name} default`)
    }
  }
})

oclifManifest.run()

const validators = suite('generated :: validators of the built-in schemas')

validators('every built-in schema has a validator generated at build time', async () => {
  const builtInSources = readdirSync(`${DIST}plugins`)
  assert.ok(builtInSources.length >= 3, 'the built-in sources are found')
  const inputs: Array<[string, JsonSchema]> = [
    ['manifest', loadSchema('manifest')],
    ['snapshot', loadSchema('snapshot')],
    ['exceptions file', exceptionsFileSchema()],
    ['Terraform state', STATE_SCHEMA],
  ]
  for (const name of builtInSources) {
    const source = (await import(`${DIST}plugins/${name}/index.js`)).default as { options?: { schema?: JsonSchema } }
    if (source.options?.schema) inputs.push([`options of source ${name}`, source.options.schema])
  }
  for (const [name, schema] of inputs) assert.ok(isPrecompiled(schema), name)
  assert.ok(isPrecompiled(OBSERVATION_SCHEMA, 'contract'), 'observation')
})

validators('the generated validator and ajv at run time give the same diagnostics', async () => {
  // The same schema under another title (and without the $id ajv allows once per instance) is not found, so ajv compiles it.
  const { $id: _id, ...manifestSchema } = loadSchema('manifest')
  const compiledAtRunTime = { ...manifestSchema, title: 'compiled by ajv at run time' }
  assert.not.ok(isPrecompiled(compiledAtRunTime))
  for (const fixture of ['five-mistakes.yaml', 'in-sync.yaml']) {
    const doc = await readDocument(`${FIXTURES}${fixture}`)
    const generated = checkAgainstSchema(doc, loadSchema('manifest'))
    const compiled = checkAgainstSchema(doc, compiledAtRunTime)
    assert.equal(generated, compiled, fixture)
  }
  const doc = await readDocument(`${FIXTURES}five-mistakes.yaml`)
  assert.ok(checkAgainstSchema(doc, loadSchema('manifest')).length > 0, 'the fixture has schema errors to compare')
})

validators('an offline check never loads ajv itself', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-generated-'))
  try {
    // Preloaded into the real CLI: on exit, says which of ajv's files were loaded.
    const probe = join(dir, 'probe.cjs')
    await writeFile(probe, `process.on('exit', () => process.stderr.write('AJV_FILES ' + JSON.stringify(Object.keys(require.cache).filter((f) => /[\\\\/]ajv[\\\\/]/.test(f)))))`)
    const { code, stdout, stderr } = await runCli(['check', 'test/fixtures/in-sync.yaml', '--source', 'snapshot:test/fixtures/snapshot.json'], {
      env: { NODE_OPTIONS: `--require ${probe}` },
    })
    assert.is(code, 0, stderr)
    assert.match(stdout, 'Outcome: in sync')
    const loaded = JSON.parse(/AJV_FILES (.*)$/m.exec(stderr)![1]) as string[]
    // Only the runtime helpers the generated code requires (string length, deep equality).
    assert.equal(loaded.filter((f) => !/[\\/]ajv[\\/]dist[\\/]runtime[\\/]/.test(f)), [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

validators('an offline check never loads the AWS SDK; a live one does', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-generated-'))
  try {
    // Preloaded into the real CLI: on exit, how many files of the AWS SDK were loaded (imported or required, both land in require's cache).
    const probe = join(dir, 'probe.cjs')
    await writeFile(probe, `process.on('exit', () => process.stderr.write('SDK_FILES ' + Object.keys(require.cache).filter((f) => /[\\\\/]@(aws-sdk|smithy)[\\\\/]/.test(f)).length))`)
    const sdkFiles = (stderr: string) => Number(/SDK_FILES (\d+)/.exec(stderr)?.[1])
    const offline = await runCli(['check', 'test/fixtures/in-sync.yaml', '--source', 'snapshot:test/fixtures/snapshot.json'], { env: { NODE_OPTIONS: `--require ${probe}` } })
    assert.is(offline.code, 0, offline.stderr)
    assert.is(sdkFiles(offline.stderr), 0)
    // The probe must see the SDK when it is loaded: a live run against an endpoint nobody listens on.
    const live = await runCli(['check', 'test/fixtures/in-sync.yaml', '--endpoint-url', 'http://127.0.0.1:9', '--max-attempts', '1', '--timeout', '5'], { env: { NODE_OPTIONS: `--require ${probe}`, ...awsTestEnv() } })
    assert.ok(sdkFiles(live.stderr) > 10, live.stderr)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

validators.run()

const bundles = suite('generated :: bundled dependencies')

/** The .ts files under `dir` of the repository, relative to it. */
function sourceFiles(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f}`)
}

bundles('the CLI takes oclif, yaml and diff from their bundles only', () => {
  // A direct import would load the package's own modules beside the bundle: correct, but slow to start.
  const allowed: Record<string, string> = { 'src/cli/oclif.ts': '@oclif/core', 'src/vendor/yaml.ts': 'yaml', 'src/vendor/diff.ts': 'diff' }
  const direct: string[] = []
  for (const file of [...sourceFiles('src'), ...sourceFiles('plugins'), 'bin/run.js']) {
    for (const [, name] of readFileSync(`${ROOT}${file}`, 'utf8').matchAll(/\bfrom '((?:@oclif\/core|yaml|diff)(?:\/[^']*)?)'/g)) {
      if (!name.startsWith(allowed[file] ?? '\0')) direct.push(`${file}: ${name}`)
    }
  }
  assert.equal(direct, [])
})

const BUNDLES = ['src/cli/oclif-core.cjs', 'src/vendor/yaml.cjs', 'src/vendor/diff.cjs', ...commandFiles.map((f) => `src/command-bundles/${f.replace(/\.js$/, '.cjs')}`)]

bundles('each bundle is ASCII, and its dynamic imports go through the host', () => {
  for (const bundle of BUNDLES) {
    const text = readFileSync(`${DIST}${bundle}`, 'utf8')
    // One non-ASCII character makes Node read the whole file as two-byte text, several times slower.
    assert.ok(/^[\0-\x7f]*$/.test(text), `${bundle} is ASCII`)
    // A script compiled with a code cache cannot import() in Node 20: only the banner's fallback may.
    assert.equal(text.split('\n').slice(1).filter((line) => /(?<![\w$.'"`])import\(/.test(line)), [], bundle)
  }
})

bundles('V8 accepts the code caches the build wrote, and the bundles work from them', async () => {
  const { CODE_CACHE_SUFFIX, loadedScripts, requireBundle } = await import('../src/code-cache.js')
  const cached = BUNDLES.filter((bundle) => existsSync(`${DIST}${bundle}${CODE_CACHE_SUFFIX}`))
  // The build caches what `validate` and `check` of the example load: oclif, the two commands, yaml (for the suggested fixes).
  const expected = ['src/cli/oclif-core.cjs', 'src/vendor/yaml.cjs', 'src/command-bundles/check.cjs', 'src/command-bundles/validate.cjs']
  assert.ok(expected.every((bundle) => cached.includes(bundle)), cached.join())
  for (const bundle of cached) {
    const file = `${DIST}${bundle}`
    // A command's bundle is loaded by the command's own file, which hands it oclif.
    const command = /^src\/command-bundles\/(.*)\.cjs$/.exec(bundle)?.[1]
    const exported = command ? ((await import(`${DIST}src/commands/${command}.js`)) as { default: unknown }).default : requireBundle(file)
    assert.is(loadedScripts.get(file)?.cachedDataRejected, false, `${bundle}: cache accepted`)
    assert.ok(exported && Object.keys(exported).length + (typeof exported === 'function' ? 1 : 0) > 0, bundle)
  }
  const yaml = requireBundle(`${DIST}src/vendor/yaml.cjs`) as typeof import('yaml')
  assert.equal(yaml.parse('a: [1, {b: c}]'), { a: [1, { b: 'c' }] })
})

bundles('a cache made from other bytes is never used, even of the same length (which V8 alone would accept)', async () => {
  const { CODE_CACHE_SUFFIX, codeCacheFile, loadedScripts, requireBundle } = await import('../src/code-cache.js')
  const { Script } = await import('node:vm')
  const dir = await mkdtemp(join(tmpdir(), 'code-cache-'))
  try {
    // Compiled exactly as requireBundle compiles a file holding `module.exports = { answer: 1 + 1 }`.
    const made = new Script('(function (exports, require, module, __filename, __dirname, __hostImport) {module.exports = { answer: 1 + 1 }\n})')
    made.runInThisContext()
    const cache = made.createCachedData()
    const write = async (name: string, source: string, stamp: string) => {
      await writeFile(join(dir, name), source)
      await writeFile(join(dir, name + CODE_CACHE_SUFFIX), codeCacheFile(Buffer.from(stamp), cache))
      return join(dir, name)
    }
    // The stamp is the bytes the cache was made from: the cache is used, and its code runs.
    const matching = await write('same.cjs', 'module.exports = { answer: 1 + 1 }', 'module.exports = { answer: 1 + 1 }')
    assert.equal(requireBundle(matching), { answer: 2 })
    assert.is(loadedScripts.get(matching)?.cachedDataRejected, false)
    // Other bytes of the same length: compiled from source, never the cached code.
    const other = await write('other.cjs', 'module.exports = { answer: 6 * 7 }', 'module.exports = { answer: 1 + 1 }')
    assert.equal(requireBundle(other), { answer: 42 })
    assert.is(loadedScripts.get(other)?.cachedDataRejected, undefined, 'no cache was given to V8')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

bundles('without the bundles of oclif, yaml and diff (a build by tsc alone), the CLI takes them from node_modules and answers the same', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'no-bundles-'))
  try {
    for (const part of ['bin', 'dist/src', 'dist/plugins', 'schemas', 'examples', 'package.json', 'oclif.manifest.json']) await cp(`${ROOT}${part}`, join(dir, part), { recursive: true })
    await symlink(`${ROOT}node_modules`, join(dir, 'node_modules'))
    for (const bundle of ['src/cli/oclif-core.cjs', 'src/vendor/yaml.cjs', 'src/vendor/diff.cjs']) {
      await rm(join(dir, 'dist', bundle))
      await rm(join(dir, 'dist', bundle + '.v8-cache'), { force: true })
    }
    // A flow mapping and an anchor: only the yaml package reads them. A typo in it: a located diagnostic.
    await writeFile(join(dir, 'flow.yaml'), ['version: 1', 'defaults: &d { accountId: "123456789012", region: eu-west-1 }', 'clusters:', '  - { cluster: c1, extra: wran }', ''].join('\n'))
    const example = (file: string) => `${ROOT}examples/${file}`
    for (const args of [
      ['validate', 'flow.yaml', '--json'],
      // --format diff draws the suggested fixes with the diff package.
      ['check', example('partner-drift.yaml'), '--source', `snapshot:${example('snapshot.json')}`, '--format', 'diff'],
    ]) {
      const [unbundled, bundled] = await Promise.all([runCli(args, { cwd: dir, bin: join(dir, 'bin/run.js') }), runCli(args, { cwd: dir })])
      assert.ok(unbundled.code !== 0 && unbundled.stdout.length > 0, `${args.join(' ')} reports the problem or the drift: ${unbundled.stderr}`)
      assert.equal([unbundled.code, unbundled.stdout, unbundled.stderr], [bundled.code, bundled.stdout, bundled.stderr], args.join(' '))
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

bundles('each command is one bundle that shares oclif and the code cache with bin/run.js', () => {
  for (const file of commandFiles) {
    // The file oclif imports hands the bundle the two modules every command shares ...
    const loader = readFileSync(`${DIST}src/commands/${file}`, 'utf8')
    assert.equal([...loader.matchAll(/^import .* from '(\.[^']*)'$/gm)].map((m) => m[1]).sort(), ['../cli/oclif.js', '../code-cache.js'], file)
    // ... and the bundle holds every other module of ours it needs.
    const bundle = readFileSync(`${DIST}src/command-bundles/${file.replace(/\.js$/, '.cjs')}`, 'utf8')
    const relative = new Set([...bundle.matchAll(/\brequire\("(\.[^"]*)"\)/g)].map((m) => m[1]))
    assert.ok([...relative].every((path) => path === '../cli/oclif.js' || path === '../code-cache.js'), `${file}: ${[...relative].join(', ')}`)
  }
})

bundles('validate, --help and an offline check in sync load no built-in module they do not use (child_process, readline, perf_hooks, crypto, all of util)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'builtins-'))
  try {
    // Preloaded into the CLI: writes the built-in modules it loaded, when it exits.
    const preload = join(dir, 'loaded.cjs')
    await writeFile(preload, `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_TO, process.moduleLoadList.join('\\n')))`)
    const manifestFile = join(dir, 'm.yaml')
    await writeFile(manifestFile, 'version: 1\nclusters:\n  - cluster: a\n    accountId: "111111111111"\n    region: eu-west-1\n    databases: []\n')
    const inSync = ['check', `${FIXTURES}in-sync.yaml`, '--source', `snapshot:${FIXTURES}snapshot.json`]
    for (const args of [['validate', manifestFile], ['--help'], inSync]) {
      const to = join(dir, 'loaded.txt')
      const cli = await runCli(args, { env: { NODE_OPTIONS: `--require ${preload}`, LOADED_TO: to } })
      assert.is(cli.code, 0, cli.stderr)
      const loaded = readFileSync(to, 'utf8').split('\n')
      assert.ok(loaded.includes('NativeModule fs'), 'the list was written')
      assert.equal(
        // internal/mime: an ES module importing node:util makes Node load all of util, MIMEType included.
        loaded.filter((m) => /^NativeModule (child_process|readline|perf_hooks|crypto|internal\/mime)$/.test(m)),
        [],
        args.join(' '),
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

bundles.run()
