// @ts-check
/**
 * The GitHub Action's entry point (action.yml `runs.main`): reads the step's inputs, runs
 * `partner-drift check` once, and hands its verdict to the workflow as step outputs and a job
 * summary.
 *
 * Why plain JavaScript with only Node's built-ins: this file runs straight from the checkout of
 * the action's repository, before anything is installed or built. The CLI it runs is this
 * repository's own (`bin/run.js`); a checkout of a tag has no `node_modules` or `dist`, so on
 * first use in a job they are made here with `npm ci` (whose `prepare` script builds), with the
 * npm that ships beside the runner's Node. A checkout that already has them (a workflow that
 * builds first, or this repository's own tests) is used as it is.
 *
 * Inputs arrive as GitHub gives them to a JavaScript action: `INPUT_<NAME>` with the name in
 * upper case and spaces as `_` (hyphens stay: `INPUT_FAIL-ON`), defaults from action.yml filled
 * in. Nothing is interpolated into a shell, so no input can inject a command.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { appendFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository the action runs from: action.yml, bin/run.js and package.json are here. */
const ACTION_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Report formats whose path the action also gives as an output of its own name. */
const PATH_OUTPUTS = ['json', 'sarif', 'junit', 'codequality', 'markdown', 'text', 'diff', 'github']

/**
 * What a run ended as: `check`'s own outcome (in-sync, drift, incomplete) from its JSON report,
 * or `error` when there is no report: invalid input or usage, or partner-drift could not start.
 * @typedef {'in-sync' | 'drift' | 'incomplete' | 'error'} Outcome
 */

/**
 * An input as GitHub passes it to a JavaScript action (actions/toolkit `getInput`): trimmed, '' when unset.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} name
 */
export function input(env, name) {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

/**
 * `outputs`: FORMAT=PATH, one per line; several on one line may be separated by commas.
 * @param {string} text
 * @returns {string[]}
 */
export function parseOutputSpecs(text) {
  return text
    .split(/\r?\n/)
    .flatMap((line) => line.split(/,(?=\s*[a-z]+=)/))
    .map((spec) => spec.trim())
    .filter(Boolean)
}

/**
 * `args`: extra arguments for `check`, one per line, taken literally (no shell quoting to get wrong).
 * @param {string} text
 */
export function parseArgs(text) {
  return text
    .split(/\r?\n/)
    .map((arg) => arg.trim())
    .filter(Boolean)
}

/**
 * A value for `$GITHUB_OUTPUT` in the multiline form `name<<DELIMITER`, as actions/toolkit writes
 * every value: a random delimiter that the value cannot contain, so a value can never end early
 * and set another output.
 * @param {string} name
 * @param {string} value
 */
export function outputCommand(name, value) {
  const delimiter = `ghadelimiter_${randomUUID()}`
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name}: the value holds its delimiter`)
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`
}

/**
 * Text for Markdown outside code: one line, inert.
 * @param {string} text
 */
function codeSpan(text) {
  const oneLine = text.replace(/[\u0000-\u001f\u007f]/g, '?')
  const ticks = '`'.repeat(Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length)) + 1)
  return `${ticks} ${oneLine} ${ticks}`
}

/**
 * The npm to install with: the one beside the Node running this file (the runner's own Node
 * ships it), else the `npm` on the PATH.
 * @returns {[string, string[]]}
 */
function npmCommand() {
  const besideNode = resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')
  const windows = join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js')
  for (const cli of [besideNode, windows]) if (existsSync(cli)) return [process.execPath, [cli]]
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
}

/**
 * Runs a command with the step's stdout and stderr, so its log and workflow commands reach the runner.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv }} options
 * @returns {Promise<number>}
 */
function run(command, args, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', (error) => {
      process.stdout.write(`::error title=partner-drift::could not start ${command}: ${error.message}\n`)
      resolvePromise(1)
    })
    child.on('close', (code) => resolvePromise(code ?? 1))
  })
}

/**
 * The CLI in this checkout, built first when it is not: `npm ci` installs the locked dependencies
 * and its `prepare` script builds `dist`.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<string | undefined>} the path of `bin/run.js`, or undefined when it cannot be made
 */
async function ensureCli(env) {
  const cli = join(ACTION_ROOT, 'bin', 'run.js')
  const built = () => existsSync(join(ACTION_ROOT, 'dist', 'src', 'commands', 'check.js')) && existsSync(join(ACTION_ROOT, 'node_modules', '@oclif', 'core'))
  if (built()) return cli
  process.stdout.write('::group::Installing and building partner-drift (once per job)\n')
  const [npm, npmArgs] = npmCommand()
  const code = await run(npm, [...npmArgs, 'ci', '--no-audit', '--no-fund'], { cwd: ACTION_ROOT, env })
  process.stdout.write('::endgroup::\n')
  if (code !== 0 || !built()) {
    process.stdout.write(`::error title=partner-drift::could not install partner-drift in ${ACTION_ROOT} (npm ci exited ${code}); see the log above\n`)
    return undefined
  }
  return cli
}

/**
 * The verdict from the JSON report, or `error` when there is none to read.
 * @param {string} jsonPath
 * @returns {Outcome}
 */
function outcomeOf(jsonPath) {
  try {
    const outcome = JSON.parse(readFileSync(jsonPath, 'utf8')).outcome
    return outcome === 'in-sync' || outcome === 'drift' || outcome === 'incomplete' ? outcome : 'error'
  } catch {
    return 'error'
  }
}

/**
 * The whole step; returns its exit code: `check`'s own (0 in sync, 2 drift, 1 could not look or bad input).
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
export async function main(env = process.env) {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd())
  const workingDirectory = resolve(workspace, input(env, 'working-directory') || '.')
  const specs = parseOutputSpecs(input(env, 'outputs'))

  // Every run writes a JSON report, which is where the outcome is read from; a temporary one unless asked for.
  const reports = new Map()
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const path = spec.slice(eq + 1)
    if (eq > 0 && path !== '-') reports.set(spec.slice(0, eq), resolve(workingDirectory, path))
  }
  const extraSpecs = []
  if (!reports.has('json')) {
    const directory = join(env.RUNNER_TEMP || tmpdir(), `partner-drift-${randomUUID()}`)
    await mkdir(directory, { recursive: true })
    reports.set('json', join(directory, 'report.json'))
    extraSpecs.push(`json=${reports.get('json')}`)
  }

  const args = ['check', input(env, 'manifest') || 'partner-drift.yaml', '--source', input(env, 'source') || 'aws']
  for (const spec of [...specs, ...extraSpecs]) args.push('--output', spec)
  for (const [flag, name] of [['--fail-on', 'fail-on'], ['--baseline', 'baseline'], ['--exceptions', 'exceptions']]) {
    const value = input(env, name)
    if (value) args.push(flag, value)
  }
  if (input(env, 'summary') !== 'false') args.push('--github-summary')
  args.push(...parseArgs(input(env, 'args')))

  const cli = await ensureCli(env)
  // Annotations come from `check` itself: GITHUB_ACTIONS is set on the runner, and stdout is the step's log.
  // summary: false keeps the job summary free of partner-drift, the note on annotations left out included.
  const checkEnv = { ...env }
  if (input(env, 'summary') === 'false') delete checkEnv.GITHUB_STEP_SUMMARY
  const exitCode = cli ? await run(process.execPath, [cli, ...args], { cwd: workingDirectory, env: checkEnv }) : 1
  const outcome = outcomeOf(reports.get('json'))
  const written = [...reports].filter(([, path]) => existsSync(path))

  const shown = (/** @type {string} */ path) => {
    const inside = relative(workspace, path)
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : path
  }
  let outputs = outputCommand('outcome', outcome) + outputCommand('exit-code', String(exitCode))
  outputs += outputCommand('reports', written.map(([format, path]) => `${format}=${path}`).join('\n'))
  for (const format of PATH_OUTPUTS) outputs += outputCommand(format, written.find(([f]) => f === format)?.[1] ?? '')
  if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, outputs)
  else process.stderr.write('GITHUB_OUTPUT is not set: the step outputs are not recorded\n')

  if (env.GITHUB_STEP_SUMMARY && input(env, 'summary') !== 'false') {
    const lines = outcome === 'error'
      ? [`### partner-drift could not check (exit ${exitCode})`, '', 'No report was made: the step log says why (an invalid manifest or input file, or a bad argument).']
      : ['', `**partner-drift**: ${outcome} (exit ${exitCode}).`]
    // The temporary JSON report is gone when the job ends; only the reports asked for are listed.
    const listed = written.filter(([format]) => format !== 'json' || !extraSpecs.length)
    if (listed.length) lines.push('', 'Reports:', ...listed.map(([format, path]) => `- ${format}: ${codeSpan(shown(path))}`))
    await appendFile(env.GITHUB_STEP_SUMMARY, lines.join('\n') + '\n')
  }
  return exitCode
}

// Run as the action's entry point (not when a test imports the functions above).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main()
}
