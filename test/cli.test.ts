/**
 * The real CLI process (`node bin/run.js`) on the bundled example and on fixtures: exit codes,
 * what stdout and stderr say, and that every format parses. Independent runs go in parallel.
 */
import { readFileSync } from 'node:fs'

import { parsePatch } from 'diff'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { shouldColor } from '../src/cli/output.js'
import { ANSI, FIXTURES, reportSchemaErrors, ROOT, runCli } from './helpers/cli.js'

const EXAMPLE = ['examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json']
const SNAPSHOT = 'snapshot:test/fixtures/snapshot.json'
const KINDS = ['missing', 'extra', 'forbidden', 'unhealthy', 'stale', 'error'] as const
const SYMBOLS: Record<(typeof KINDS)[number], string> = { missing: '+', extra: '-', forbidden: '-', unhealthy: '~', stale: '~', error: '!' }
/** A stack trace line, which a user must never see for a mistake of theirs. */
const STACK_FRAME = /^ {4}at /m
const LOCATED = /^(\S+):(\d+):(\d+): /

const check = suite('cli :: check')

check('the bundled example: exit 2, and stdout names every kind of finding the JSON report has', async () => {
  const [text, json] = await Promise.all([runCli(['check', ...EXAMPLE]), runCli(['check', ...EXAMPLE, '--format', 'json'])])
  assert.is(text.code, 2, text.stderr)
  assert.is(json.code, 2, json.stderr)
  const kinds = new Set<string>(JSON.parse(json.stdout).findings.map((f: { kind: string }) => f.kind))
  assert.equal(kinds, new Set(['missing', 'extra', 'forbidden', 'unhealthy', 'stale']))
  for (const kind of kinds) {
    assert.match(text.stdout, new RegExp(`^ +\\${SYMBOLS[kind as (typeof KINDS)[number]]} \\S+ ${kind}\\b.*\\[examples/partner-drift\\.yaml:\\d+:\\d+\\]$`, 'm'), kind)
  }
  assert.match(text.stdout, /^Outcome: drift \(exit 2\)$/m)
  assert.not.match(text.stdout + text.stderr, ANSI)
})

check('--format json validates against the report schema and matches the text summary', async () => {
  const { code, stdout } = await runCli(['check', ...EXAMPLE, '-f', 'json'])
  assert.is(code, 2)
  const report = JSON.parse(stdout)
  assert.equal(reportSchemaErrors(report), [])
  assert.is(report.outcome, 'drift')
  assert.is(report.summary.clusters, 3)
  assert.ok(report.findings.every((f: { location?: { file: string } }) => f.location?.file === 'examples/partner-drift.yaml'))
})

check('--format diff is a unified diff with one patch per drifting cluster', async () => {
  const { code, stdout } = await runCli(['check', ...EXAMPLE, '--format', 'diff'])
  assert.is(code, 2)
  const patches = parsePatch(stdout)
  assert.equal(
    patches.map((p) => p.newFileName),
    ['expected/123456789012/eu-west-1/analytics-prod', 'expected/123456789012/eu-west-1/analytics-staging', 'expected/123456789012/us-east-1/reporting'],
  )
  const prod = patches[0].hunks.flatMap((h) => h.lines)
  assert.ok(prod.includes('+    Etleap: Active'), prod.join('\n'))
  assert.ok(prod.includes('-    Segment: Active'), prod.join('\n'))
})

check('a cluster that could not be observed: exit 1 (incomplete), even with drift elsewhere', async () => {
  const [incomplete, json] = await Promise.all([
    runCli(['check', 'examples/incomplete.yaml', '--source', 'snapshot:examples/snapshot.json']),
    runCli(['check', 'examples/incomplete.yaml', '--source', 'snapshot:examples/snapshot.json', '--format', 'json']),
  ])
  assert.is(incomplete.code, 1)
  assert.match(incomplete.stdout, /^ +! error: .*not captured in snapshot/m)
  assert.match(incomplete.stdout, /^Outcome: incomplete.*\(exit 1\)$/m)
  assert.is(json.code, 1)
  const report = JSON.parse(json.stdout)
  assert.equal(reportSchemaErrors(report), [])
  assert.is(report.outcome, 'incomplete')
  assert.is(report.summary.errors, 2)
})

check('in sync: exit 0; warnings alone: exit 0 with the warning shown', async () => {
  const [inSync, warnings, warningsJson] = await Promise.all([
    runCli(['check', 'test/fixtures/in-sync.yaml', '-s', SNAPSHOT]),
    runCli(['check', 'test/fixtures/warnings-only.yaml', '-s', SNAPSHOT]),
    runCli(['check', 'test/fixtures/warnings-only.yaml', '-s', SNAPSHOT, '-f', 'json']),
  ])
  assert.is(inSync.code, 0, inSync.stdout + inSync.stderr)
  assert.match(inSync.stdout, /^Outcome: in sync \(exit 0\)$/m)
  assert.is(warnings.code, 0, warnings.stdout + warnings.stderr)
  assert.match(warnings.stdout, /^ +- Upsolver extra \(warning\): .*\[test\/fixtures\/warnings-only\.yaml:8:5\]$/m)
  assert.is(warningsJson.code, 0)
  const report = JSON.parse(warningsJson.stdout)
  assert.equal([report.outcome, report.summary.warnings, report.findings.map((f: { severity: string }) => f.severity)], ['in-sync', 1, ['warn']])
})

check('an invalid manifest: exit 1, every problem located on stderr, no report', async () => {
  const { code, stdout, stderr } = await runCli(['check', 'test/fixtures/five-mistakes.yaml', '-s', SNAPSHOT])
  assert.is(code, 1)
  assert.is(stdout, '')
  assert.is(stderr.split('\n').filter((l) => LOCATED.test(l)).length, 5)
  assert.not.match(stderr, STACK_FRAME)
})

check('colour: FORCE_COLOR paints, --no-color wins over it; NO_COLOR turns it off on a terminal', async () => {
  const [forced, disabled] = await Promise.all([
    runCli(['check', ...EXAMPLE], { env: { FORCE_COLOR: '1' } }),
    runCli(['check', ...EXAMPLE, '--no-color'], { env: { FORCE_COLOR: '1' } }),
  ])
  assert.match(forced.stdout, ANSI)
  assert.is(disabled.code, 2)
  assert.not.match(disabled.stdout, ANSI)
  const timingFree = (out: string): string => out.replace(/ in \d+ ms/, ' in N ms')
  assert.is(timingFree(disabled.stdout), timingFree(forced.stdout.replace(new RegExp(ANSI.source, 'g'), '')))
  // A pipe is never a terminal, so NO_COLOR is checked where it matters: on a TTY, without a flag.
  const tty = { isTTY: true } as NodeJS.WriteStream
  assert.is(shouldColor(undefined, tty, {}), true)
  assert.is(shouldColor(undefined, tty, { NO_COLOR: '1' }), false)
  assert.is(shouldColor(false, tty, {}), false)
  // The command line beats the environment (as no-color.org asks).
  assert.is(shouldColor(true, tty, { NO_COLOR: '1' }), true)
})

check('the default source is aws, and without credentials it cannot pass', async () => {
  const { code, stdout, stderr } = await runCli(['check', 'examples/partner-drift.yaml', '--format', 'json', '--timeout', '20'])
  assert.is(code, 1, stdout + stderr)
  assert.not.match(stderr, STACK_FRAME)
  if (stdout) {
    const report = JSON.parse(stdout)
    assert.is(report.source, 'aws')
    assert.is(report.outcome, 'incomplete')
  } else {
    assert.match(stderr, /aws/)
  }
})

check.run()

const validate = suite('cli :: validate')

validate('five different mistakes: five located lines on stderr, exit 1, no stack trace', async () => {
  const { code, stdout, stderr } = await runCli(['validate', 'test/fixtures/five-mistakes.yaml'])
  assert.is(code, 1)
  assert.is(stdout, '')
  const positions = stderr
    .split('\n')
    .map((l) => LOCATED.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}:${m[2]}:${m[3]}`)
  assert.equal(
    positions,
    ['6:3', '9:16', '15:21', '16:22', '17:22'].map((at) => `test/fixtures/five-mistakes.yaml:${at}`),
  )
  assert.match(stderr, /did you mean "extra"\?/)
  assert.match(stderr, /quote it: "123456789012"/)
  assert.not.match(stderr, STACK_FRAME)
})

validate('several files: each is reported, and one bad file fails the run', async () => {
  const [mixed, good] = await Promise.all([
    runCli(['validate', 'test/fixtures/in-sync.yaml', 'test/fixtures/five-mistakes.yaml']),
    runCli(['validate', 'test/fixtures/in-sync.yaml', 'examples/partner-drift.yaml']),
  ])
  assert.is(mixed.code, 1)
  assert.match(mixed.stdout, /^test\/fixtures\/in-sync\.yaml: valid \(1 clusters?, 2 expected integrations\)$/m, mixed.stdout + mixed.stderr)
  assert.is(mixed.stderr.split('\n').filter((l) => l.startsWith('test/fixtures/five-mistakes.yaml:') && LOCATED.test(l)).length, 5)
  assert.is(good.code, 0, good.stderr)
  assert.match(good.stdout, /^examples\/partner-drift\.yaml: valid \(3 clusters, 6 expected integrations\)$/m)
  assert.is(good.stderr, '')
})

validate('a file that does not exist: exit 1 with a located message', async () => {
  const { code, stderr } = await runCli(['validate', 'test/fixtures/no-such-manifest.yaml'])
  assert.is(code, 1)
  assert.match(stderr, /^test\/fixtures\/no-such-manifest\.yaml:1:1: cannot read .*no such file/m)
  assert.not.match(stderr, STACK_FRAME)
})

validate.run()

const schema = suite('cli :: schema')

schema('manifest, snapshot and report print the shipped JSON Schemas', async () => {
  const names = ['manifest', 'snapshot', 'report'] as const
  const runs = await Promise.all(names.map((name) => runCli(['schema', name])))
  runs.forEach((run, i) => {
    assert.is(run.code, 0, run.stderr)
    const printed = JSON.parse(run.stdout)
    assert.is(printed.$schema, 'http://json-schema.org/draft-07/schema#')
    assert.equal(printed, JSON.parse(readFileSync(`${ROOT}schemas/${names[i]}.schema.json`, 'utf8')))
  })
})

schema('an unknown schema name is a usage error: exit 1', async () => {
  const { code, stdout, stderr } = await runCli(['schema', 'bogus'])
  assert.is(code, 1)
  assert.is(stdout, '')
  assert.match(stderr, /manifest, snapshot, report/)
})

schema.run()

const usage = suite('cli :: usage errors and help')

usage('usage errors exit 1, never 2, so they cannot look like drift', async () => {
  const [unknownFlag, badFormat, missingFile, defaultManifest, unknownSource] = await Promise.all([
    runCli(['check', ...EXAMPLE, '--bogus']),
    runCli(['check', ...EXAMPLE, '--format', 'yaml']),
    runCli(['check', 'test/fixtures/no-such-manifest.yaml', '-s', SNAPSHOT]),
    runCli(['check', '-s', `snapshot:${FIXTURES}snapshot.json`], { cwd: FIXTURES }),
    runCli(['check', ...EXAMPLE.slice(0, 1), '--source', 'snapshto:examples/snapshot.json']),
  ])
  assert.is(unknownFlag.code, 1)
  assert.match(unknownFlag.stderr, /--bogus/)
  assert.is(badFormat.code, 1)
  assert.match(badFormat.stderr, /text, json, diff|text\|json\|diff/)
  assert.is(missingFile.code, 1)
  assert.match(missingFile.stderr, /^test\/fixtures\/no-such-manifest\.yaml:1:1: cannot read/m)
  assert.is(defaultManifest.code, 1, 'the default manifest is partner-drift.yaml in the current directory')
  assert.match(defaultManifest.stderr, /^partner-drift\.yaml:1:1: cannot read/m)
  assert.is(unknownSource.code, 1)
  assert.match(unknownSource.stderr, /unknown source "snapshto"/)
  assert.match(unknownSource.stderr, /snapshot/)
  assert.match(unknownSource.stderr, /aws/)
  for (const run of [unknownFlag, badFormat, missingFile, defaultManifest, unknownSource]) {
    assert.is(run.stdout, '')
    assert.not.match(run.stderr, STACK_FRAME)
  }
})

usage('--help of every command has its summary, usage, description and examples', async () => {
  const commands = ['check', 'validate', 'schema'] as const
  const runs = await Promise.all(commands.map((command) => runCli([command, '--help'])))
  runs.forEach((run, i) => {
    const command = commands[i]
    assert.is(run.code, 0, run.stderr)
    const [summary] = run.stdout.split('\n')
    assert.ok(summary.length > 20, `${command}: summary line "${summary}"`)
    assert.match(run.stdout, new RegExp(`^USAGE\\n {2}\\$ partner-drift ${command}`, 'm'))
    assert.match(run.stdout, /^DESCRIPTION$/m)
    assert.match(run.stdout, new RegExp(`^EXAMPLES\\n {2}\\$ partner-drift ${command} \\S`, 'm'))
  })
})

usage.run()
