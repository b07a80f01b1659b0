/**
 * Shared by the foundation's suites: where the package and its fixtures are, how to run the
 * real CLI, and how to get a DesiredState through the real loader from a YAML string.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { Ajv } from 'ajv'

import type { Diagnostic } from '../../src/input/diagnostics.js'
import { parseDocumentText } from '../../src/input/document.js'
import type { DesiredState } from '../../src/manifest/desired-state.js'
import { resolveManifest } from '../../src/manifest/load-manifest.js'

// dist/test/helpers/ -> the package root, where bin/, examples/, schemas/ and test/fixtures/ are.
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const FIXTURES = `${ROOT}test/fixtures/`

/** The lines of a YAML document, one argument per line, so a test can count positions at a glance. */
export function yamlLines(...lines: string[]): string {
  return lines.join('\n') + '\n'
}

/** The same position fields a test table writes, so a failing table row shows a readable diff. */
export function located(diagnostics: Diagnostic[]): Array<Pick<Diagnostic, 'code' | 'path' | 'line' | 'column'>> {
  return diagnostics.map(({ code, path, line, column }) => ({ code, path, line, column }))
}

/** Through the real loader; a manifest with problems fails the test with every located message. */
export function desiredFrom(yaml: string, file = 'm.yaml'): DesiredState {
  const { desired, diagnostics } = resolveManifest(parseDocumentText(yaml, file))
  if (!desired) throw new Error(`test manifest is invalid:\n${diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n')}`)
  return desired
}

/** Validates a JSON report against the shipped `schemas/report.schema.json`; returns ajv's errors, [] when valid. */
export function reportSchemaErrors(report: unknown): string[] {
  const schema = JSON.parse(readFileSync(`${ROOT}schemas/report.schema.json`, 'utf8')) as object
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
  if (validate(report)) return []
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
}

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  /** Wall time of the process. */
  ms: number
}

/**
 * Runs `node bin/run.js ARGS` (in `cwd`, with `input` on stdin), asynchronously so that an in-process test
 * server keeps answering. AWS settings of the machine running the tests are cut off so that the
 * default `aws` source can never reach a real account; `env` entries set to undefined are removed.
 */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string; bin?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  // Colour is decided by each test (FORCE_COLOR, NO_COLOR and TERM=dumb all decide it; see shouldColor).
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name === 'FORCE_COLOR' || name === 'NO_COLOR' || name === 'TERM') delete env[name]
  // Tests that run under a CI system must not pick up its workspace (report paths), its annotations or
  // the colour that oclif's ansis turns on whenever `CI` is set, even in a pipe.
  for (const name of Object.keys(env)) if (name.startsWith('GITHUB_') || name === 'CI_PROJECT_DIR' || name === 'CI' || name === 'GITLAB_CI') delete env[name]
  Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: `${ROOT}test/fixtures/no-such-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${ROOT}test/fixtures/no-such-aws-credentials`,
    ...options.env,
  })
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name]
  return runProcess(process.execPath, [options.bin ?? `${ROOT}bin/run.js`, ...args], { cwd: options.cwd ?? ROOT, env, timeoutMs: options.timeoutMs ?? 60_000, input: options.input })
}

/** Runs `command ARGS` with exactly `env`, `input` (default none) on stdin; killed after `timeoutMs` when given. */
export function runProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<CliRun> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill(), options.timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** Static dummy credentials (and CI set, so no progress line): what the aws source tests run with. */
export function awsTestEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: 'AKIDPARTNERDRIFTTEST', AWS_SECRET_ACCESS_KEY: 'partner-drift-test-secret', CI: '1', ...extra }
}

export const ANSI = /\u001B\[\d+(;\d+)*m/
