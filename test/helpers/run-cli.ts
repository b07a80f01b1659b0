import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root, from dist/test/helpers/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  ms: number
}

/** Runs the real CLI as a child process (asynchronously, so an in-process test server keeps answering). */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = Date.now()
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd ?? ROOT, env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0
        resolve({ code, stdout, stderr, ms: Date.now() - started })
      },
    )
  })
}

/** Static dummy credentials, no shared config, no inherited AWS settings: what the aws source tests run with. */
export function awsTestEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: 'AKIDPARTNERDRIFTTEST',
    AWS_SECRET_ACCESS_KEY: 'partner-drift-test-secret',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_REDSHIFT: undefined,
    AWS_MAX_ATTEMPTS: undefined,
    CI: '1',
    ...extra,
  }
}
