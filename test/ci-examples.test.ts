/**
 * The CI examples in examples/ci/ parse, every partner-drift command they run is one partner-drift
 * accepts, the GitHub workflow uses the action only with inputs and outputs action.yml declares,
 * and the GitLab pipeline hands GitLab the reports its jobs write.
 */
import { readFileSync } from 'node:fs'

import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'

import { REPORT_FORMATS } from '../src/report/render/index.js'
import { ROOT } from './helpers/cli.js'

interface ManifestCommand {
  flags: Record<string, { char?: string }>
}
const manifest = JSON.parse(readFileSync(`${ROOT}oclif.manifest.json`, 'utf8')) as { commands: Record<string, ManifestCommand> }
const action = parse(readFileSync(`${ROOT}action.yml`, 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> }

/** Every string in the file's scripts: GitHub `run:` values, GitLab `script:` items. */
function scripts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(scripts)
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => (key === 'run' || key === 'script') && (typeof value === 'string' || Array.isArray(value)) ? [value].flat().filter((v): v is string => typeof v === 'string') : scripts(value))
  }
  return []
}

/** The partner-drift commands a file runs, checked against the CLI's own manifest; returns the command names. */
function checkInvocations(file: string, doc: unknown): Set<string> {
  const invocations = scripts(doc).flatMap((line) => [...line.matchAll(/npx partner-drift (\S+)([^|>]*)/g)])
  const commands = new Set<string>()
  for (const [, command, rest] of invocations) {
    commands.add(command!)
    const known = manifest.commands[command!]
    assert.ok(known, `${file}: unknown command ${command}`)
    for (const [, flag] of rest!.matchAll(/(?:^|\s)--([a-z-]+)/g)) assert.ok(known!.flags[flag!], `${file}: ${command} has no --${flag}`)
    for (const [, format] of rest!.matchAll(/--(?:output|format)[ =]([a-z]+)/g)) assert.ok((REPORT_FORMATS as readonly string[]).includes(format!), `${file}: no format ${format}`)
  }
  return commands
}

const read = (file: string): unknown => parse(readFileSync(`${ROOT}examples/ci/${file}`, 'utf8')) as unknown

for (const file of ['github-actions-sharded.yml', 'gitlab-ci.yml']) {
  test(`examples/ci/${file}: parses, and runs only commands and flags partner-drift has; a sharded check and a merge`, () => {
    const doc = read(file)
    const commands = checkInvocations(file, doc)
    assert.equal([...commands].sort(), ['check', 'merge'])
    assert.match(scripts(doc).join('\n'), /--shard/)
  })
}

test('examples/ci/github-actions.yml: uses the action with declared inputs only, and reads declared outputs only', () => {
  const text = readFileSync(`${ROOT}examples/ci/github-actions.yml`, 'utf8')
  const doc = parse(text) as { jobs: Record<string, { steps: Array<{ uses?: string; id?: string; with?: Record<string, string> }> }> }
  const steps = Object.values(doc.jobs).flatMap((job) => job.steps)
  const uses = steps.filter((step) => step.uses?.startsWith('partner-drift/partner-drift@'))
  assert.is(uses.length, 1)
  const step = uses[0]!
  for (const input of Object.keys(step.with ?? {})) assert.ok(action.inputs[input], `action.yml has no input ${input}`)
  for (const spec of (step.with?.outputs ?? '').split('\n').filter(Boolean)) {
    assert.ok((REPORT_FORMATS as readonly string[]).includes(spec.slice(0, spec.indexOf('='))), spec)
  }
  const read = [...text.matchAll(/steps\.([a-z-]+)\.outputs\.([a-z-]+)/g)]
  assert.ok(read.length > 0)
  for (const [, id, output] of read) {
    assert.is(id, step.id)
    assert.ok(action.outputs[output!], `action.yml has no output ${output}`)
    assert.match(step.with?.outputs ?? '', new RegExp(`^${output}=`, 'm'), `the step writes the ${output} report it hands on`)
  }
})

test('examples/ci/gitlab-ci.yml: each job hands GitLab the Code Quality and JUnit files its script writes', () => {
  const doc = read('gitlab-ci.yml') as Record<string, { script?: string[]; artifacts?: { reports?: Record<string, string> } }>
  const reporting = Object.entries(doc).filter(([, job]) => job.artifacts?.reports)
  assert.ok(reporting.length >= 1)
  for (const [name, job] of reporting) {
    const reports = job.artifacts!.reports!
    assert.equal(Object.keys(reports).sort(), ['codequality', 'junit'], name)
    const script = (job.script ?? []).join('\n')
    assert.ok(script.includes(`--output codequality=${reports.codequality}`), `${name} writes ${reports.codequality}`)
    assert.ok(script.includes(`--output junit=${reports.junit}`), `${name} writes ${reports.junit}`)
  }
})

test.run()
