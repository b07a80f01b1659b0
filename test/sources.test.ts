/**
 * Where sources come from (built-ins, dependencies, oclif plugins), how `--source` and
 * `--source-option` are resolved and checked, the contract version rule, how errors thrown
 * inside a source are wrapped, and the security rule: only installed code is ever loaded.
 */
import { existsSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { SOURCE_CONTRACT_VERSION, type SourceDefinition } from '../src/contract.js'
import { type Diagnostic, InputError } from '../src/input/diagnostics.js'
import { observeClusters } from '../src/observe/orchestrator.js'
import { sourceOptions } from '../src/observe/source-options.js'
import { checkContractVersion, listSources, resolveSource, SourceError } from '../src/observe/source-registry.js'
import { runCli } from './helpers/cli.js'
import { ROOT, sourceModule, tempDir, writePackage, writeProject } from './helpers/source-packages.js'

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

const MANIFEST = [
  'version: 1',
  'defaults: { accountId: "123456789012", region: eu-west-1 }',
  'clusters:',
  '  - cluster: analytics-prod',
  '    databases:',
  '      - database: dev',
  '        partners: [{ partner: Fivetran }]',
  '',
].join('\n')

// ---------------------------------------------------------------------------------------------
const discovery = suite('sources :: discovery')

discovery('built-ins are the folders of plugins/, listed without importing them', async () => {
  const dir = await tempDir('empty')
  const { sources, problems } = await listSources({ cwd: dir })
  assert.equal(
    sources.map((s) => [s.name, s.origin]),
    [
      ['aws', 'built-in'],
      ['snapshot', 'built-in'],
      ['tfstate', 'built-in'],
    ],
  )
  assert.equal(problems, [])
})

discovery('a dependency that declares a source is listed from package.json; its module is imported only on load', async () => {
  const dir = await tempDir('lazy')
  const marker = join(dir, 'imported')
  await writeProject(dir, { dependencies: { 'source-lazy': '^1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'source-lazy',
    version: '1.4.0',
    declaration: { sources: { lazy: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'lazy', marker }) },
  })
  const { sources } = await listSources({ cwd: dir })
  const lazy = sources.find((s) => s.name === 'lazy')
  assert.ok(lazy)
  assert.is(lazy.origin, 'package')
  assert.equal({ ...lazy.package, root: undefined }, { name: 'source-lazy', version: '1.4.0', installedAs: 'dependency', root: undefined })
  assert.not.ok(existsSync(marker), 'listing must not import the module')
  const definition = await lazy.load()
  assert.is(definition.name, 'lazy')
  assert.ok(existsSync(marker))
})

discovery('dependencies, devDependencies and optionalDependencies count; installed packages nobody depends on do not', async () => {
  const dir = await tempDir('fields')
  await writeProject(dir, {
    dependencies: { 'src-a': '1.0.0', 'not-a-source': '1.0.0', 'not-installed': '1.0.0' },
    devDependencies: { 'src-b': '1.0.0' },
    optionalDependencies: { 'src-c': '1.0.0' },
    peerDependencies: { 'src-peer': '1.0.0' },
  })
  const modules = join(dir, 'node_modules')
  for (const name of ['a', 'b', 'c', 'peer', 'stray']) {
    await writePackage(modules, { name: `src-${name}`, declaration: { sources: { [name]: './index.js' } }, files: { 'index.js': sourceModule({ name }) } })
  }
  await writePackage(modules, { name: 'not-a-source', files: { 'index.js': 'export default {}' } })
  const { sources, problems } = await listSources({ cwd: dir })
  assert.equal(
    sources.filter((s) => s.origin === 'package').map((s) => s.name),
    ['a', 'b', 'c'],
  )
  assert.equal(problems, [])
})

discovery('a dependency hoisted to a parent node_modules is found (Node lookup)', async () => {
  const dir = await tempDir('hoisted')
  const project = await writeProject(join(dir, 'packages', 'etl'), { devDependencies: { 'src-hoisted': '1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'src-hoisted',
    declaration: { sources: { hoisted: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'hoisted' }) },
  })
  const { sources } = await listSources({ cwd: project })
  assert.ok(sources.some((s) => s.name === 'hoisted' && s.package?.root === join(dir, 'node_modules', 'src-hoisted')))
})

discovery('scoped packages and oclif plugin roots; a package reachable both ways is listed once', async () => {
  const dir = await tempDir('plugins')
  await writeProject(dir, { dependencies: { '@acme/partner-drift-source-queue': '1.0.0' } })
  const scoped = await writePackage(join(dir, 'node_modules'), {
    name: '@acme/partner-drift-source-queue',
    declaration: { sources: { queue: './lib/source.js' } },
    files: { 'lib/source.js': sourceModule({ name: 'queue' }) },
  })
  const plugin = await writePackage(join(dir, 'plugin-home'), {
    name: 'source-from-plugin',
    declaration: { sources: { plugged: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'plugged' }) },
  })
  const { sources } = await listSources({ cwd: dir, pluginRoots: [plugin, scoped, join(dir, 'missing-plugin')] })
  const packaged = sources.filter((s) => s.package).map((s) => [s.name, s.package!.name, s.package!.installedAs])
  assert.equal(packaged, [
    ['plugged', 'source-from-plugin', 'plugin'],
    ['queue', '@acme/partner-drift-source-queue', 'dependency'],
  ])
  assert.is((await sources.find((s) => s.name === 'queue')!.load()).name, 'queue')
})

discovery('a package that is both a project dependency and a plugin (two copies) is the project\'s', async () => {
  const dir = await tempDir('both')
  await writeProject(dir, { dependencies: { 'src-both': '1.1.0' } })
  const files = { 'index.js': sourceModule({ name: 'both' }) }
  await writePackage(join(dir, 'node_modules'), { name: 'src-both', version: '1.1.0', declaration: { sources: { both: './index.js' } }, files })
  const plugin = await writePackage(join(dir, 'plugin-home'), { name: 'src-both', version: '1.0.0', declaration: { sources: { both: './index.js' } }, files })
  const { sources } = await listSources({ cwd: dir, pluginRoots: [plugin] })
  assert.equal(
    sources.filter((s) => s.name === 'both').map((s) => [s.package!.version, s.package!.installedAs]),
    [['1.1.0', 'dependency']],
  )
})

discovery('declarations that point outside the package, or are malformed, are refused and reported', async () => {
  const dir = await tempDir('escape')
  const marker = join(dir, 'imported')
  await writeFile(join(dir, 'evil.js'), sourceModule({ name: 'linked', marker }))
  await writeProject(dir, { dependencies: { 'src-escape': '1.0.0', 'src-list': '1.0.0' } })
  const root = await writePackage(join(dir, 'node_modules'), {
    name: 'src-escape',
    declaration: { sources: { up: '../../evil.js', absolute: join(dir, 'evil.js'), 'Bad Name': './index.js', linked: './linked.js' } },
  })
  await symlink(join(dir, 'evil.js'), join(root, 'linked.js'))
  await writePackage(join(dir, 'node_modules'), { name: 'src-list', declaration: { sources: ['./index.js'] } })
  const { sources, problems } = await listSources({ cwd: dir })
  assert.equal(
    sources.filter((s) => s.package).map((s) => s.name),
    ['linked'],
  )
  assert.is(problems.length, 4)
  assert.match(problems.join('\n'), /src-escape@1\.0\.0.*source "up" must point at a module inside the package/)
  assert.match(problems.join('\n'), /source "absolute" must point at a module inside the package/)
  assert.match(problems.join('\n'), /source name "Bad Name" is not valid/)
  assert.match(problems.join('\n'), /src-list@1\.0\.0.*"partner-drift" must be \{ "sources"/)
  const error = await rejection(sources.find((s) => s.name === 'linked')!.load())
  assert.instance(error, SourceError)
  assert.match(error.message, /module \.\/linked\.js does not exist inside/)
  assert.not.ok(existsSync(marker), 'a symlink out of the package must not be imported')
})

discovery.run()

// ---------------------------------------------------------------------------------------------
const naming = suite('sources :: names, duplicates and contract versions')

naming('two packages with one source name: an error naming both, only when that name is used', async () => {
  const dir = await tempDir('dup')
  await writeProject(dir, { dependencies: { 'queue-one': '1.0.0' }, devDependencies: { 'queue-two': '2.0.0' } })
  for (const [name, version] of [
    ['queue-one', '1.0.0'],
    ['queue-two', '2.0.0'],
  ]) {
    await writePackage(join(dir, 'node_modules'), { name, version, declaration: { sources: { queue: './index.js' } }, files: { 'index.js': sourceModule({ name: 'queue' }) } })
  }
  const error = await rejection(resolveSource('queue', [], { cwd: dir }))
  assert.instance(error, SourceError)
  assert.match(error.message, /source name "queue" is provided by 2 sources: package queue-one@1\.0\.0 \(dependency in package\.json, .*\) and package queue-two@2\.0\.0/)
  assert.match((error as SourceError).hint ?? '', /npm uninstall queue-one or npm uninstall queue-two/)
  const { source } = await resolveSource('snapshot:examples/snapshot.json', [], { cwd: dir })
  assert.is(source.name, 'snapshot')
})

naming('a package cannot take the name of a built-in', async () => {
  const dir = await tempDir('shadow')
  const marker = join(dir, 'imported')
  await writeProject(dir, { dependencies: { 'fake-snapshot': '1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'fake-snapshot',
    declaration: { sources: { snapshot: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'snapshot', marker }) },
  })
  const error = await rejection(resolveSource('snapshot:examples/snapshot.json', [], { cwd: dir }))
  assert.match(error.message, /source name "snapshot" is provided by 2 sources: built-in and package fake-snapshot@1\.0\.0/)
  assert.match((error as SourceError).hint ?? '', /may not replace a built-in source/)
  assert.not.ok(existsSync(marker))
})

naming('an unknown name lists the available sources and suggests the closest', async () => {
  const error = await rejection(resolveSource('snapshto:examples/snapshot.json', [], { cwd: ROOT }))
  assert.instance(error, SourceError)
  assert.is(error.message, 'unknown source "snapshto"; available: aws, snapshot, tfstate')
  assert.match((error as SourceError).hint ?? '', /^did you mean "snapshot"\?/)
  const far = await rejection(resolveSource('kafka', [], { cwd: ROOT }))
  assert.not.match((far as SourceError).hint ?? '', /did you mean/)
})

naming('contract versions: same major and a minor up to the core\'s are accepted; other majors and newer minors are refused naming both', () => {
  const [major, minor] = SOURCE_CONTRACT_VERSION.split('.').map(Number)
  const source = (contractVersion: string) => ({ name: 'queue', version: '1.0.0', contractVersion, description: '', open: () => ({ observe: async () => ({ kind: 'error' as const, code: 'x', message: 'x' }) }) })
  checkContractVersion(source(`${major}.0`))
  checkContractVersion(source(`${major}.${minor}`))
  for (const [declared, hint] of [
    [`${major + 1}.0`, /built for contract 1\.x/],
    [`${major - 1}.${minor}`, /built for contract 1\.x/],
    [`${major}.${minor + 1}`, /upgrade partner-drift/],
  ] as const) {
    const error = thrown(() => checkContractVersion(source(declared), 'source "queue" of package q@1.0.0'))
    assert.instance(error, SourceError)
    assert.is(error.message, `source "queue" of package q@1.0.0 implements source contract ${declared}, but this partner-drift implements source contract ${SOURCE_CONTRACT_VERSION}`)
    assert.match((error as SourceError).hint ?? '', hint)
  }
  assert.match(thrown(() => checkContractVersion(source('1'))).message, /declares contract version "1", which is not MAJOR\.MINOR/)
})

naming('check refuses a source built for another contract major, naming both versions (exit 1)', async () => {
  const dir = await tempDir('contract')
  await writeProject(dir, { dependencies: { 'queue-future': '3.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'queue-future',
    version: '3.0.0',
    declaration: { sources: { future: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'future', contractVersion: '2.0' }) },
  })
  await writeFile(join(dir, 'partner-drift.yaml'), MANIFEST)
  const run = await runCli(['check', '--source', 'future'], { cwd: dir })
  assert.is(run.code, 1)
  assert.is(run.stdout, '')
  assert.match(run.stderr, 'Error: source "future" of package queue-future@3.0.0 implements source contract 2.0, but this partner-drift implements source contract 1.2')
})

naming('a module whose definition does not match its declaration is refused', async () => {
  const dir = await tempDir('mismatch')
  await writeProject(dir, { dependencies: { 'queue-src': '1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'queue-src',
    declaration: { sources: { queue: './index.js', empty: './empty.js' } },
    files: { 'index.js': sourceModule({ name: 'other' }), 'empty.js': 'export const nothing = 1\n' },
  })
  const misnamed = await rejection(resolveSource('queue', [], { cwd: dir }))
  assert.match(misnamed.message, /source "queue" of package queue-src@1\.0\.0 is not a usable partner-drift source: it is named "other" but declared as "queue"/)
  const empty = await rejection(resolveSource('empty', [], { cwd: dir }))
  assert.match(empty.message, /is not a usable partner-drift source: it has no default export/)
})

naming.run()

// ---------------------------------------------------------------------------------------------
const options = suite('sources :: options')

const queue: SourceDefinition = {
  name: 'queue',
  version: '1.0.0',
  contractVersion: '1.0',
  description: 'test source',
  options: {
    shorthand: 'path',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: { type: 'string', minLength: 1, description: 'the queue file' },
        retries: { type: 'integer', minimum: 0, description: 'how often to retry' },
        verbose: { type: 'boolean' },
        topics: { type: 'array', items: { type: 'string' } },
      },
    },
  },
  open: () => ({ observe: async () => ({ kind: 'error', code: 'x', message: 'x' }) }),
}

options('values are typed by the schema: a string stays a string, numbers, booleans and JSON lists are parsed', () => {
  assert.equal(sourceOptions(queue, '5', ['retries=3', 'verbose=true', 'topics=["a","b"]']), { path: '5', retries: 3, verbose: true, topics: ['a', 'b'] })
  assert.equal(sourceOptions(queue, undefined, ['path=x=y:z']), { path: 'x=y:z' })
})

options('schema problems read as flags, all at once, with the hints of the schema', () => {
  const error = thrown(() => sourceOptions(queue, undefined, ['pth=a', 'retries=many', 'verbose=yes']))
  assert.instance(error, SourceError)
  const lines = error.message.split('\n')
  assert.is(lines[0], 'invalid options for source "queue":')
  assert.ok(lines.includes('  source queue: missing required key "path"'), error.message)
  assert.ok(lines.includes('  --source-option pth: unknown key "pth"'), error.message)
  assert.ok(lines.includes('    hint: did you mean "path"? allowed keys here: path, retries, verbose, topics'), error.message)
  assert.ok(lines.some((l) => l.startsWith('  --source-option retries: must be a') && l.endsWith('not "many"')), error.message)
  assert.ok(lines.some((l) => l.startsWith('  --source-option verbose: must be a boolean, not "yes"')), error.message)
  assert.match((error as SourceError).hint ?? '', 'set "path" with --source queue:VALUE and others with --source-option KEY=VALUE')
  const short = thrown(() => sourceOptions(queue, '', []))
  assert.match(short.message, /--source queue: path: "" is 0 characters; must be at least 1/)
})

options('malformed pairs, repeated options and arguments to sources without a shorthand are refused', () => {
  assert.match(thrown(() => sourceOptions(queue, 'a', ['retries'])).message, '--source-option "retries" is not KEY=VALUE')
  assert.match(thrown(() => sourceOptions(queue, 'a', ['=1'])).message, 'is not KEY=VALUE')
  assert.match(thrown(() => sourceOptions(queue, 'a', ['path=b'])).message, 'option "path" of source "queue" is given twice (--source queue: and --source-option path=)')
  assert.match(thrown(() => sourceOptions(queue, 'a', ['retries=1', 'retries=2'])).message, 'is given twice')
  const plain = { ...queue, options: undefined }
  assert.match(thrown(() => sourceOptions(plain, 'x', [])).message, 'source "queue" takes no argument after "queue:"')
})

options('a source with an unusable options schema is reported as the source\'s fault', () => {
  const broken = { ...queue, options: { schema: { type: 'object', properties: { a: { type: 'no-such-type' } } } } }
  assert.match(thrown(() => sourceOptions(broken, undefined, [])).message, 'source "queue" has an invalid options schema')
})

options('through the CLI: bad options exit 1 before the source runs', async () => {
  const run = await runCli(['check', 'examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json', '--source-option', 'pth=x'])
  assert.is(run.code, 1)
  assert.is(run.stdout, '')
  assert.match(run.stderr, 'Error: invalid options for source "snapshot":\n  --source-option pth: unknown key "pth"\n    hint: did you mean "path"? allowed keys here: path\n')
})

options.run()

// ---------------------------------------------------------------------------------------------
const wrapping = suite('sources :: errors thrown inside a source')

const target = { accountId: '123456789012', region: 'eu-west-1', cluster: 'analytics-prod' }

function throwing(error: unknown, phase: 'open' | 'observe' = 'observe'): SourceDefinition {
  return {
    ...queue,
    name: 'aws',
    open: () => {
      if (phase === 'open') throw error
      return {
        observe: async () => {
          throw error
        },
      }
    },
  }
}

wrapping('carry the source, the cluster and the source\'s own code', async () => {
  const cases: Array<[unknown, string, string]> = [
    [Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized'), { name: 'AccessDenied' }), 'AccessDenied', 'User: arn:aws:iam::123456789012:user/ci is not authorized'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'ECONNRESET', 'read ECONNRESET'],
    [Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }), 'Throttling', 'Rate exceeded'],
    [new TypeError('cannot read properties of undefined'), 'TypeError', 'cannot read properties of undefined'],
    ['a string', 'SourceError', 'a string'],
  ]
  for (const [error, code, message] of cases) {
    const { observations } = await observeClusters({ source: throwing(error), options: {}, targets: [target], concurrency: 1 })
    assert.equal([...observations.values()], [{ kind: 'error', code, message, source: 'aws' }])
  }
})

wrapping('a failure to open stops the run, naming the source and keeping the code; located input problems pass through, whichever copy of partner-drift threw them', async () => {
  const opened = await rejection(observeClusters({ source: throwing(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }), 'open'), options: {}, targets: [target], concurrency: 1 }))
  assert.instance(opened, SourceError)
  assert.is(opened.message, 'source "aws" could not open: CredentialsProviderError: Could not load credentials')
  const diagnostic: Diagnostic = { severity: 'error', code: 'schema', file: 'q.json', line: 3, column: 7, path: 'a', message: 'bad' }
  const foreign = Object.assign(new Error('bad'), { name: 'InputError', diagnostics: [diagnostic] })
  for (const error of [new InputError([diagnostic]), foreign]) {
    const result = await rejection(observeClusters({ source: throwing(error, 'open'), options: {}, targets: [target], concurrency: 1 }))
    assert.instance(result, InputError)
    assert.equal((result as InputError).diagnostics, [diagnostic])
  }
})

wrapping.run()

// ---------------------------------------------------------------------------------------------
const command = suite('sources :: partner-drift sources')

command('text: every source with version, origin, contract and options', async () => {
  const dir = await tempDir('list')
  const run = await runCli(['sources'], { cwd: dir })
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /^aws \S+ \(built-in, contract 1\.2\)\n/)
  assert.match(run.stdout, '\nsnapshot 1.0.0 (built-in, contract 1.2)\n  Recorded DescribePartners answers from a snapshot file (JSON or YAML)\n  usage: --source snapshot:PATH\n  options:\n    path  string, required, shorthand')
  assert.match(run.stdout, '\ntfstate 1.0.0 (built-in, contract 1.2)\n')
})

command('--json: the same, as data', async () => {
  const dir = await tempDir('json')
  const run = await runCli(['sources', '--json'], { cwd: dir })
  assert.is(run.code, 0, run.stderr)
  const { sources, problems } = JSON.parse(run.stdout) as { sources: Array<Record<string, any>>; problems: string[] }
  assert.equal(problems, [])
  assert.equal(
    sources.map((s) => [s.name, s.origin, s.contractVersion]),
    [
      ['aws', 'built-in', '1.2'],
      ['snapshot', 'built-in', '1.2'],
      ['tfstate', 'built-in', '1.2'],
    ],
  )
  const snapshot = sources.find((s) => s.name === 'snapshot')!
  assert.equal(snapshot.options, [{ name: 'path', type: 'string', description: 'the snapshot file, e.g. snapshot:examples/snapshot.json', required: true, shorthand: true }])
  assert.ok(sources.find((s) => s.name === 'aws')!.options.every((o: { shorthand: boolean }) => !o.shorthand))
})

command('an unusable package is listed with its problem, the others still are, and the exit is 1', async () => {
  const dir = await tempDir('unusable')
  await writeProject(dir, { dependencies: { 'queue-future': '3.0.0', 'queue-ok': '1.0.0' } })
  await writePackage(join(dir, 'node_modules'), {
    name: 'queue-future',
    version: '3.0.0',
    declaration: { sources: { future: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'future', contractVersion: '2.1' }) },
  })
  await writePackage(join(dir, 'node_modules'), { name: 'queue-ok', declaration: { sources: { queue: './index.js' } }, files: { 'index.js': sourceModule({ name: 'queue' }) } })
  const text = await runCli(['sources'], { cwd: dir })
  assert.is(text.code, 1)
  assert.match(text.stdout, 'future (queue-future@3.0.0, dependency)\n  unusable: source "future" of package queue-future@3.0.0 implements source contract 2.1, but this partner-drift implements source contract 1.2')
  assert.match(text.stdout, '\nqueue 2.3.4 (queue-ok@1.0.0, dependency, contract 1.0)\n')
  const json = await runCli(['sources', '--json'], { cwd: dir })
  assert.is(json.code, 1)
  const listed = (JSON.parse(json.stdout) as { sources: Array<{ name: string; origin: string; problem?: string }> }).sources
  assert.equal(
    listed.map((s) => [s.name, s.origin, Boolean(s.problem)]),
    [
      ['aws', 'built-in', false],
      ['future', 'queue-future', true],
      ['queue', 'queue-ok', false],
      ['snapshot', 'built-in', false],
      ['tfstate', 'built-in', false],
    ],
  )
})

command.run()

// ---------------------------------------------------------------------------------------------
const security = suite('sources :: a manifest is data; only installed code is loaded')

security('keys that would name code in a manifest are unknown keys, and nothing is imported', async () => {
  const dir = await tempDir('manifest-code')
  const marker = join(dir, 'imported')
  await writeFile(join(dir, 'evil.js'), sourceModule({ name: 'evil', marker }))
  await writeFile(
    join(dir, 'partner-drift.yaml'),
    [
      'version: 1',
      'source: ./evil.js',
      'plugin: ./evil.js',
      'defaults: { accountId: "123456789012", region: eu-west-1, require: ./evil.js }',
      'clusters:',
      '  - cluster: analytics-prod',
      '    source: ./evil.js',
      '    databases: []',
      '',
    ].join('\n'),
  )
  const run = await runCli(['validate', 'partner-drift.yaml'], { cwd: dir })
  assert.is(run.code, 1)
  for (const [position, key] of [
    ['2:1', 'source'],
    ['3:1', 'plugin'],
    ['4:59', 'defaults.require'],
    ['7:5', 'clusters[0].source'],
  ]) {
    assert.match(run.stderr, `partner-drift.yaml:${position}: ${key}: unknown key`)
  }
  const check = await runCli(['check', '--source', 'snapshot:evil.js'], { cwd: dir })
  assert.is(check.code, 1)
  assert.not.ok(existsSync(marker), 'nothing named in a manifest may be imported')
})

security('a path or URL in --source is an unknown source name, and a snapshot path is read as data', async () => {
  const dir = await tempDir('paths')
  const marker = join(dir, 'imported')
  await writeFile(join(dir, 'evil.js'), sourceModule({ name: 'evil', marker }))
  await writeFile(join(dir, 'partner-drift.yaml'), MANIFEST)
  for (const spec of ['./evil.js', join(dir, 'evil.js'), `file://${join(dir, 'evil.js')}`, 'evil']) {
    const run = await runCli(['check', '--source', spec], { cwd: dir })
    assert.is(run.code, 1, spec)
    assert.match(run.stderr, /Error: unknown source "[^"]*"; available: aws, snapshot, tfstate/, spec)
  }
  const asData = await runCli(['check', '--source', 'snapshot:evil.js'], { cwd: dir })
  assert.is(asData.code, 1)
  assert.match(asData.stderr, /^evil\.js:\d+:\d+: /m)
  await writeFile(join(dir, 'snapshot.json'), '{"version": 1, "capturedAt": "2026-11-24T10:00:00Z", "source": "./evil.js", "clusters": []}')
  const keyed = await runCli(['check', '--source', 'snapshot:snapshot.json'], { cwd: dir })
  assert.is(keyed.code, 1)
  assert.match(keyed.stderr, 'snapshot.json:1:54: source: unknown key "source"')
  assert.not.ok(existsSync(marker))
})

security('a source package that is installed but not a dependency of the project is never loaded', async () => {
  const dir = await tempDir('stray')
  const marker = join(dir, 'imported')
  await writeProject(dir, { dependencies: {} })
  await writeFile(join(dir, 'partner-drift.yaml'), MANIFEST)
  await writePackage(join(dir, 'node_modules'), {
    name: 'partner-drift-source-evil',
    declaration: { sources: { evil: './index.js' } },
    files: { 'index.js': sourceModule({ name: 'evil', marker }) },
  })
  await mkdir(join(dir, 'sub'))
  for (const cwd of [dir, join(dir, 'sub')]) {
    const run = await runCli(['check', join(dir, 'partner-drift.yaml'), '--source', 'evil'], { cwd })
    assert.is(run.code, 1)
    assert.match(run.stderr, 'unknown source "evil"')
  }
  const listed = await runCli(['sources', '--json'], { cwd: dir })
  assert.not.match(listed.stdout, 'evil')
  assert.not.ok(existsSync(marker))
})

security.run()
