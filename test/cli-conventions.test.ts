/**
 * What every CLI user expects, through the real CLI process: `help COMMAND`, did-you-mean for
 * commands and flags, shell completion, --color/--no-color, one meaning per short flag, --json,
 * validate of exceptions files and baselines, and the report's tool and time of writing.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'

import { ANSI, FIXTURES, reportSchemaErrors, ROOT, runCli } from './helpers/cli.js'
import { tempDir } from './helpers/source-packages.js'

const EXAMPLE = ['examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json']
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m

const conventions = suite('cli conventions')

conventions('help COMMAND shows the command\'s help (oclif\'s help command); help lists help and autocomplete', async () => {
  const [help, all] = await Promise.all([runCli(['help', 'check']), runCli(['help'])])
  assert.is(help.code, 0, help.stderr)
  assert.match(help.stdout, /^USAGE\n {2}\$ partner-drift check \[MANIFEST\]/m)
  assert.match(help.stdout, /--output=FORMAT=PATH/)
  assert.is(all.code, 0, all.stderr)
  for (const command of ['autocomplete', 'check', 'help', 'validate']) assert.match(all.stdout, new RegExp(`^ {2}${command} `, 'm'), command)
})

conventions('an unknown command exits 1 with the closest command, in a pipe too', async () => {
  const [typo, topic, nothing] = await Promise.all([runCli(['chek', 'x.yaml']), runCli(['plugins', 'instal', './x.tgz']), runCli(['zzzzzzzz'])])
  assert.is(typo.code, 1)
  assert.is(typo.stderr, 'Error: "chek" is not a partner-drift command; did you mean "check"?\nCode: unknown-command\nTry this: run `partner-drift help` for the list of commands\n')
  assert.is(topic.code, 1)
  assert.match(topic.stderr, '"plugins instal" is not a partner-drift command; did you mean "plugins install"?')
  assert.is(nothing.code, 1)
  assert.match(nothing.stderr, /^Error: "zzzzzzzz" is not a partner-drift command\nCode: unknown-command\n/)
})

conventions('an unknown flag exits 1 in three lines with the closest flag, not the whole usage', async () => {
  const [check, sources, many] = await Promise.all([
    runCli(['check', ...EXAMPLE, '--formt', 'json']),
    runCli(['sources', '--jsn']),
    runCli(['validate', 'examples/partner-drift.yaml', '--exeptions=e.yaml', '--baselin', 'b.json']),
  ])
  assert.is(check.code, 1)
  assert.is(check.stderr, 'Error: unknown flag --formt for partner-drift check; did you mean --format?\nCode: unknown-flag\nTry this: `partner-drift check --help` lists its flags\n')
  assert.is(check.stdout, '')
  assert.is(sources.code, 1)
  assert.match(sources.stderr, 'did you mean --json?')
  assert.is(many.code, 1)
  assert.match(many.stderr, 'unknown flag --exeptions=e.yaml for partner-drift validate; did you mean --exceptions?')
  assert.not.match(many.stderr, /USAGE|STACK/)
  assert.not.match(many.stderr, STACK_FRAME)
})

conventions('shell completion: autocomplete bash prints the setup, and the completion script is generated', async () => {
  const dir = await tempDir('completion')
  const env = { XDG_CACHE_HOME: join(dir, 'cache'), XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') }
  const setup = await runCli(['autocomplete', 'bash'], { env })
  assert.is(setup.code, 0, setup.stderr)
  assert.match(setup.stdout, 'printf "$(partner-drift autocomplete script bash)" >> ~/.bashrc')
  const script = await runCli(['autocomplete', 'script', 'bash'], { env })
  assert.is(script.code, 0, script.stderr)
  const setupFile = /PARTNER_DRIFT_AC_BASH_SETUP_PATH=(\S+)/.exec(script.stdout)?.[1]
  assert.ok(setupFile?.startsWith(join(dir, 'cache')), script.stdout)
  const functions = await readFile(join(dir, 'cache/partner-drift/autocomplete/functions/bash/partner-drift.bash'), 'utf8')
  for (const word of ['check', 'validate', 'snapshot', '--source', '--output']) assert.match(functions, word)
})

conventions('--color colours even in a pipe, --no-color never, and by default a pipe has no colour', async () => {
  const [forced, forcedOverNoColor, removed, plain] = await Promise.all([
    runCli(['check', ...EXAMPLE, '--color']),
    runCli(['check', ...EXAMPLE, '--color'], { env: { NO_COLOR: '1' } }),
    runCli(['check', ...EXAMPLE, '--no-color'], { env: { FORCE_COLOR: '1' } }),
    runCli(['check', ...EXAMPLE]),
  ])
  for (const run of [forced, forcedOverNoColor, removed, plain]) assert.is(run.code, 2, run.stderr)
  assert.match(forced.stdout, ANSI)
  assert.match(forcedOverNoColor.stdout, ANSI)
  assert.not.match(removed.stdout, ANSI)
  assert.not.match(plain.stdout, ANSI)
})

conventions('one meaning per short flag across the commands; snapshot --out has no -o', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { flags: Record<string, { char?: string; name: string }> }> }
  const meanings = new Map<string, Set<string>>()
  for (const command of Object.values(manifest.commands)) {
    for (const flag of Object.values(command.flags)) if (flag.char) meanings.set(flag.char, (meanings.get(flag.char) ?? new Set()).add(flag.name))
  }
  assert.ok(meanings.size >= 4)
  for (const [char, names] of meanings) assert.is(names.size, 1, `-${char} means ${[...names].join(' and ')}`)
  assert.equal([...meanings.get('o')!], ['output'])

  const dir = await tempDir('short-flags')
  const [snapshot, check] = await Promise.all([
    runCli(['snapshot', 'examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json', '-o', join(dir, 's.json')]),
    runCli(['check', ...EXAMPLE, '-o', `json=${join(dir, 'r.json')}`]),
  ])
  assert.is(snapshot.code, 1)
  assert.match(snapshot.stderr, /unknown flag -o for partner-drift snapshot\nCode: unknown-flag/)
  assert.is(check.code, 2, check.stderr)
  assert.is((JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as { outcome: string }).outcome, 'drift')
})

conventions('--json on validate: every file with its counts or its located diagnostics, and the exit code', async () => {
  const good = await runCli(['validate', 'examples/partner-drift.yaml', '--json'])
  assert.is(good.code, 0, good.stderr)
  assert.equal(JSON.parse(good.stdout), { valid: true, files: [{ file: 'examples/partner-drift.yaml', kind: 'manifest', valid: true, counts: { clusters: 3, expectedIntegrations: 6 }, diagnostics: [] }] })
  const bad = await runCli(['validate', `${FIXTURES}five-mistakes.yaml`, '--json'])
  assert.is(bad.code, 1)
  assert.is(bad.stderr, '')
  const listed = JSON.parse(bad.stdout) as { valid: boolean; files: Array<{ valid: boolean; diagnostics: Array<{ line: number; column: number; code: string }> }> }
  assert.is(listed.valid, false)
  assert.equal(listed.files[0]!.diagnostics.map((d) => [d.line, d.column, d.code]), [[6, 3, 'schema'], [9, 16, 'schema'], [15, 21, 'unknown-status'], [16, 22, 'duplicate-partner'], [17, 22, 'expected-and-absent']])
})

conventions('validate --exceptions and --baseline: valid files are counted, broken ones located, all at once', async () => {
  const dir = await tempDir('validate-files')
  const exceptions = join(dir, 'exceptions.yaml')
  const badExceptions = join(dir, 'bad-exceptions.yaml')
  const baseline = join(dir, 'baseline.json')
  const badBaseline = join(dir, 'bad-baseline.json')
  await writeFile(exceptions, 'exceptions:\n  - cluster: analytics-prod\n    kind: extra\n    reason: known\n    expires: 2099-01-01\n')
  await writeFile(badExceptions, 'exceptions:\n  - cluster: analytics-prod\n    kind: extar\n    reason: known\n  - cluster: reporting\n    kind: missing\n    reason: rebuilt\n    expires: 2026-02-30\n')
  const report = await runCli(['check', ...EXAMPLE, '--format', 'json'])
  await writeFile(baseline, report.stdout)
  await writeFile(badBaseline, '{\n  "version": 1,\n  "findings": [\n    { "kind": "missing" }\n  ]\n}\n')

  const good = await runCli(['validate', '--exceptions', exceptions, '--baseline', baseline])
  assert.is(good.code, 0, good.stderr)
  assert.is(good.stdout, `${exceptions}: valid exceptions file (1 exception)\n${baseline}: valid baseline (7 findings with a fingerprint)\n`)

  const bad = await runCli(['validate', 'examples/partner-drift.yaml', '--exceptions', badExceptions, '--baseline', badBaseline])
  assert.is(bad.code, 1)
  assert.is(bad.stdout, 'examples/partner-drift.yaml: valid (3 clusters, 6 expected integrations)\n')
  assert.match(bad.stderr, new RegExp(`^${badExceptions}:3:11: exceptions\\[0\\]\\.kind: .*\\[schema\\]$`, 'm'))
  assert.match(bad.stderr, `${badBaseline}:4:5: findings.0: finding has no fingerprint [baseline]`)
  assert.not.match(bad.stderr, STACK_FRAME)

  const nothing = await runCli(['validate'])
  assert.is(nothing.code, 1)
  assert.match(nothing.stderr, 'Code: nothing-to-validate')
})

conventions('the JSON report names the tool and when it was written; SOURCE_DATE_EPOCH makes it reproducible', async () => {
  const before = Date.now()
  const [now, pinned, again] = await Promise.all([
    runCli(['check', ...EXAMPLE, '--format', 'json']),
    runCli(['check', ...EXAMPLE, '--format', 'json'], { env: { SOURCE_DATE_EPOCH: '1700000000' } }),
    runCli(['check', ...EXAMPLE, '--format', 'json'], { env: { SOURCE_DATE_EPOCH: '1700000000' } }),
  ])
  const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
  const report = JSON.parse(now.stdout) as { tool: unknown; generatedAt: string }
  assert.equal(report.tool, { name: 'partner-drift', version })
  assert.ok(Date.parse(report.generatedAt) >= before - 1000 && Date.parse(report.generatedAt) <= Date.now(), report.generatedAt)
  assert.equal(reportSchemaErrors(report), [])
  assert.is((JSON.parse(pinned.stdout) as { generatedAt: string }).generatedAt, '2023-11-14T22:13:20.000Z')
  const timingFree = (text: string): string => text.replace(/"elapsedMs": \d+/, '')
  assert.is(timingFree(pinned.stdout), timingFree(again.stdout))
  assert.equal(Object.keys(JSON.parse(pinned.stdout) as object).slice(0, 3), ['version', 'tool', 'generatedAt'])
})

conventions('snapshot --manifest-out: the $schema comment is a path, from the manifest, to the installed package\'s schema', async () => {
  const project = await tempDir('schema-reference')
  await mkdir(join(project, 'node_modules'), { recursive: true })
  await symlink(ROOT, join(project, 'node_modules', 'partner-drift'), 'dir')
  const elsewhere = await tempDir('schema-reference-bare')
  const record = (manifestOut: string) => runCli(['snapshot', ...EXAMPLE, '--out', join(dirname(manifestOut), 's.json'), '--manifest-out', manifestOut])
  const inProject = join(project, 'infra', 'partner-drift.yaml')
  const bare = join(elsewhere, 'partner-drift.yaml')
  await mkdir(dirname(inProject))
  for (const [file, expected] of [
    [inProject, '../node_modules/partner-drift/schemas/manifest.schema.json'],
    // No partner-drift in the project: this partner-drift's own schema.
    [bare, relative(elsewhere, join(ROOT, 'schemas/manifest.schema.json'))],
  ] as const) {
    const run = await record(file)
    assert.ok(run.code === 0 || run.code === 1, run.stderr)
    const reference = /^# yaml-language-server: \$schema=(\S+)$/m.exec(await readFile(file, 'utf8'))?.[1]
    assert.is(reference, expected)
    const schema = JSON.parse(await readFile(resolve(dirname(file), reference!), 'utf8')) as { title?: string }
    assert.match(schema.title ?? '', /manifest/i)
  }
})

conventions('.pre-commit-hooks.yaml: the hook runs partner-drift validate on manifest files, and fails on a broken one', async () => {
  const hooks = parse(await readFile(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; entry: string; language: string; files: string; pass_filenames?: boolean }>
  const hook = hooks.find((h) => h.id === 'partner-drift-validate')!
  assert.is(hook.entry, 'partner-drift validate')
  assert.is(hook.language, 'node')
  const files = new RegExp(hook.files)
  assert.equal(['partner-drift.yaml', 'infra/partner-drift.yml', 'other.yaml', 'partner-drift.yaml.bak', 'my-partner-drift.yaml'].map((f) => files.test(f)), [true, true, false, false, false])
  // What pre-commit runs: the entry with the staged files that match.
  const args = hook.entry.split(' ').slice(1)
  const [good, bad] = await Promise.all([runCli([...args, 'examples/partner-drift.yaml']), runCli([...args, 'examples/partner-drift.yaml', `${FIXTURES}five-mistakes.yaml`])])
  assert.is(good.code, 0, good.stderr)
  assert.is(bad.code, 1)
  assert.match(bad.stderr, 'five-mistakes.yaml: 5 problems')
})

conventions.run()
