/**
 * The GitHub Action: action.yml declares what action/entry.js reads and writes, and the entry
 * script, run as the runner runs it (node, cwd the workspace, INPUT_* with action.yml's defaults,
 * GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, GITHUB_ACTIONS=true), sets
 * its outputs, writes the job summary and annotations, and exits with check's exit code.
 */
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse as parseYaml } from 'yaml'

import type { Report } from '../src/model/report.js'
import { ROOT, runProcess } from './helpers/cli.js'

interface ActionDefinition {
  runs: { using: string; main: string; steps?: unknown }
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
}
const action = parseYaml(readFileSync(`${ROOT}action.yml`, 'utf8')) as ActionDefinition
const entrySource = readFileSync(`${ROOT}action/entry.js`, 'utf8')

/** GitHub's parser of `$GITHUB_OUTPUT` (and other file commands): `name=value` lines and `name<<DELIMITER` blocks. */
function parseFileCommands(text: string): Map<string, string> {
  const values = new Map<string, string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const end = lines.indexOf(delimiter!, i + 1)
      assert.ok(end > i, `output ${name}: delimiter ${delimiter} never closes`)
      values.set(name!, lines.slice(i + 1, end).join('\n'))
      i = end
      continue
    }
    const eq = line.indexOf('=')
    assert.ok(eq > 0, `not a file command: ${line}`)
    values.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return values
}

interface ActionRun {
  code: number
  stdout: string
  stderr: string
  outputs: Map<string, string>
  /** `$GITHUB_OUTPUT` as the step left it. */
  rawOutputs: string
  summary: string
}

/**
 * Runs action/entry.js as the runner would: inputs not given get action.yml's defaults (as
 * GitHub fills them in), named `INPUT_` + the upper-cased name with hyphens kept.
 */
async function runAction(workspace: string, inputs: Record<string, string>): Promise<ActionRun> {
  for (const name of Object.keys(inputs)) assert.ok(action.inputs[name], `action.yml declares no input ${name}`)
  const files = await mkdtemp(join(tmpdir(), 'partner-drift-runner-'))
  const [output, summary] = [join(files, 'output'), join(files, 'summary')]
  await Promise.all([writeFile(output, ''), writeFile(summary, '')])
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_') && !name.startsWith('GITHUB_') && !name.startsWith('INPUT_') && name !== 'CI_PROJECT_DIR') env[name] = value
  for (const [name, declared] of Object.entries(action.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = inputs[name] ?? declared.default ?? ''
  Object.assign(env, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: files,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: `${ROOT}test/fixtures/no-such-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${ROOT}test/fixtures/no-such-aws-credentials`,
  })
  const result = await runProcess(process.execPath, [join(ROOT, action.runs.main)], { cwd: workspace, env })
  const rawOutputs = await readFile(output, 'utf8')
  const run = { ...result, outputs: parseFileCommands(rawOutputs), rawOutputs, summary: await readFile(summary, 'utf8') }
  await rm(files, { recursive: true, force: true })
  return run
}

/** A repository with its manifest and snapshot in `infra/`, as in a monorepo. */
async function monorepo(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'partner-drift-workspace-'))
  await mkdir(join(workspace, 'infra'))
  for (const file of ['partner-drift.yaml', 'incomplete.yaml', 'snapshot.json']) await copyFile(`${ROOT}examples/${file}`, join(workspace, 'infra', file))
  await writeFile(join(workspace, 'infra', 'broken.yaml'), 'version: 1\nclusters:\n  - cluster: x\n    databses: []\n')
  return workspace
}

const ANNOTATION = /^::(error|warning|notice) file=([^,]+),line=\d+,col=\d+,title=[^:]+::/

const definition = suite('action :: action.yml')

definition('a JavaScript action on the runner\'s Node 24 whose entry script is in the repository; no steps, so no other action', () => {
  assert.is(action.runs.using, 'node24')
  assert.ok(existsSync(join(ROOT, action.runs.main)), action.runs.main)
  assert.is(action.runs.steps, undefined)
  for (const [name, input] of Object.entries(action.inputs)) {
    assert.ok(input.description.length > 10, `input ${name} is described`)
    assert.not.ok(input.required, `input ${name} has a default instead of being required`)
  }
})

definition('every input the entry script reads is declared, and every declared input is read', () => {
  const read = new Set([...entrySource.matchAll(/input\(env, '([a-z-]+)'\)/g)].map((m) => m[1]!))
  read.add('fail-on').add('baseline').add('exceptions') // read through a table of flags
  assert.equal([...read].sort(), Object.keys(action.inputs).sort())
})

definition('the outputs the entry script writes are the ones declared', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, { manifest: 'infra/partner-drift.yaml', source: 'snapshot:infra/snapshot.json' })
    assert.equal([...run.outputs.keys()].sort(), Object.keys(action.outputs).sort())
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

definition.run()

const entry = suite('action :: entry script')

entry('drift in a monorepo: exit 2, outputs with the outcome and absolute report paths, annotations and SARIF on infra/, a job summary', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, {
      manifest: 'infra/partner-drift.yaml',
      source: 'snapshot:infra/snapshot.json',
      outputs: 'sarif=reports/partner-drift.sarif\ncodequality=reports/gl-code-quality.json, junit=reports/partner-drift.xml',
    })
    assert.is(run.code, 2, run.stderr)
    assert.is(run.outputs.get('outcome'), 'drift')
    assert.is(run.outputs.get('exit-code'), '2')
    const sarifPath = run.outputs.get('sarif')!
    assert.is(sarifPath, join(workspace, 'reports', 'partner-drift.sarif'))
    assert.is(run.outputs.get('codequality'), join(workspace, 'reports', 'gl-code-quality.json'))
    assert.is(run.outputs.get('junit'), join(workspace, 'reports', 'partner-drift.xml'))
    assert.is(run.outputs.get('markdown'), '')
    // The JSON report is always written (the outcome is read from it), to RUNNER_TEMP when not asked for.
    const reports = run.outputs.get('reports')!.split('\n')
    assert.equal(reports.map((r) => r.slice(0, r.indexOf('='))).sort(), ['codequality', 'json', 'junit', 'sarif'])
    for (const r of reports) assert.ok(isAbsolute(r.slice(r.indexOf('=') + 1)), r)

    const sarif = JSON.parse(await readFile(sarifPath, 'utf8')) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }> }> }> }
    const uris = new Set(sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri))
    assert.equal([...uris], ['infra/partner-drift.yaml'])
    const codequality = JSON.parse(await readFile(run.outputs.get('codequality')!, 'utf8')) as Array<{ location: { path: string } }>
    assert.ok(codequality.length > 0)
    assert.ok(codequality.every((issue) => issue.location.path === 'infra/partner-drift.yaml'))

    const annotations = run.stdout.split('\n').filter((line) => ANNOTATION.test(line))
    assert.ok(annotations.length > 0, run.stdout)
    assert.ok(annotations.every((line) => ANNOTATION.exec(line)![2] === 'infra/partner-drift.yaml'), annotations.join('\n'))

    assert.match(run.summary, /partner-drift/)
    assert.match(run.summary, /\*\*partner-drift\*\*: drift \(exit 2\)/)
    assert.match(run.summary, /- sarif: ` reports\/partner-drift\.sarif `/)
    assert.not.match(run.summary, /- json:/, 'the temporary JSON report is not offered: it is gone when the job ends')
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry('working-directory, fail-on, args and a JSON report asked for: paths stay relative to the repository root', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, {
      'working-directory': 'infra',
      source: 'snapshot:snapshot.json',
      // Only kinds this manifest has no finding of fail: everything else is a warning.
      'fail-on': 'unmanaged',
      args: '--concurrency\n2',
      outputs: 'json=out/report.json',
      summary: 'false',
    })
    assert.is(run.code, 0, run.stderr)
    assert.is(run.outputs.get('outcome'), 'in-sync')
    assert.is(run.outputs.get('json'), join(workspace, 'infra', 'out', 'report.json'))
    const report = JSON.parse(await readFile(run.outputs.get('json')!, 'utf8')) as Report
    assert.is(report.manifest, 'infra/partner-drift.yaml')
    assert.ok(report.findings.length > 0 && report.findings.every((f) => !f.failing))
    assert.ok(run.stdout.split('\n').filter((line) => line.startsWith('::warning file=infra/partner-drift.yaml,')).length > 0)
    assert.is(run.summary, '', 'summary: false writes no job summary')
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry('a cluster that could not be observed: outcome incomplete, exit 1', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, { manifest: 'infra/incomplete.yaml', source: 'snapshot:infra/snapshot.json' })
    assert.is(run.code, 1)
    assert.is(run.outputs.get('outcome'), 'incomplete')
    assert.is(run.outputs.get('exit-code'), '1')
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry('an invalid manifest: outcome error, exit 1, no report, and a summary that says so', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, { manifest: 'infra/broken.yaml', source: 'snapshot:infra/snapshot.json', outputs: 'sarif=partner-drift.sarif' })
    assert.is(run.code, 1)
    assert.is(run.outputs.get('outcome'), 'error')
    assert.is(run.outputs.get('sarif'), '')
    assert.is(run.outputs.get('reports'), '')
    assert.match(run.stderr, /broken\.yaml:4:5/)
    assert.match(run.summary, /partner-drift could not check \(exit 1\)/)
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry('summary: false leaves the job summary alone, even when annotations are left out; by default it counts them', async () => {
  const workspace = await monorepo()
  try {
    // Twelve missing integrations: more errors than GitHub annotates in a step.
    const partners = Array.from({ length: 12 }, (_, i) => `          - partner: Partner${i}`).join('\n')
    await writeFile(join(workspace, 'infra', 'many.yaml'), `version: 1\ndefaults: { accountId: "123456789012", region: eu-west-1 }\nclusters:\n  - cluster: c\n    databases:\n      - database: dev\n        partners:\n${partners}\n`)
    await writeFile(join(workspace, 'infra', 'empty.json'), JSON.stringify({ version: 1, capturedAt: '2026-11-20T00:00:00Z', clusters: [{ accountId: '123456789012', region: 'eu-west-1', cluster: 'c', PartnerIntegrationInfoList: [] }] }))
    const inputs = { manifest: 'infra/many.yaml', source: 'snapshot:infra/empty.json' }
    const quiet = await runAction(workspace, { ...inputs, summary: 'false' })
    assert.is(quiet.code, 2, quiet.stderr)
    assert.match(quiet.stdout, /not annotated/)
    assert.is(quiet.summary, '')
    const told = await runAction(workspace, inputs)
    assert.is(told.code, 2, told.stderr)
    assert.match(told.summary, /3 of 12 findings are not annotated/)
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry('every output is written in the multiline form, with a random delimiter no value holds', async () => {
  const workspace = await monorepo()
  try {
    const run = await runAction(workspace, { manifest: 'infra/partner-drift.yaml', source: 'snapshot:infra/snapshot.json', outputs: 'sarif=a.sarif\njunit=b.xml' })
    const lines = run.rawOutputs.trimEnd().split('\n')
    const openers = lines.filter((line) => line.includes('<<'))
    assert.is(openers.length, Object.keys(action.outputs).length)
    const delimiters = openers.map((line) => /^[a-z-]+<<(ghadelimiter_[0-9a-f-]{36})$/.exec(line)?.[1])
    assert.ok(delimiters.every(Boolean), openers.join('\n'))
    assert.is(new Set(delimiters).size, delimiters.length, 'a fresh delimiter per value')
    assert.is(run.outputs.get('reports')!.split('\n').length, 3, 'a multiline value survives whole')
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
})

entry.run()
