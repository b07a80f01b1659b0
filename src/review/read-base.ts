import { createRequire } from 'node:module'
import { stat } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'

import type { Diagnostic } from '../input/diagnostics.js'
import { inputTextOfBytes, MAX_INPUT_BYTES } from '../input/read-input.js'
import type { DesiredState } from '../manifest/desired-state.js'
import { loadManifest, type ManifestFallback, manifestOfText } from '../manifest/load-manifest.js'
import type { InputCode } from '../model/error-codes.js'
import { excerpt } from '../untrusted-text.js'

/** Where the base manifest of a review came from. */
export type BaseOrigin = { kind: 'file'; path: string } | { kind: 'git'; revision: string; path: string }

export interface LoadedBase {
  /** Present when the base could be read and has no error; an empty manifest when it does not exist at the revision. */
  desired?: DesiredState
  diagnostics: Diagnostic[]
  origin?: BaseOrigin
  /** False when `REV:PATH` names no file at that revision (a manifest the change creates): the base expects nothing. */
  exists: boolean
}

/** A git call that takes longer is stuck (a lock, a network filesystem): the review fails rather than waits. */
const GIT_TIMEOUT_MS = 30_000

/**
 * Reads `--base`: a manifest file, or `REV:PATH` read with `git show` from the head manifest's
 * repository, with no checkout. An existing file always wins, so a file whose name has a colon
 * is still read as a file; anything else with a colon and a revision before it is `REV:PATH`.
 *
 * As in git, PATH is relative to the repository's root, and `REV:./PATH` (or `../`) to the
 * current directory: `--base origin/main:infra/partner-drift.yaml` names the same file from any
 * directory of the repository. A PATH that does not exist at the revision is an empty base
 * (the change creates the manifest); a revision the repository does not have is an error.
 * The text goes through the same bounded reading and validation as a file, and every diagnostic
 * names the base as written, `REV:PATH:LINE:COLUMN`.
 */
export async function loadBaseManifest(base: string, context: { headManifest: string; cwd?: string; fallback?: ManifestFallback }): Promise<LoadedBase> {
  const cwd = context.cwd ?? process.cwd()
  const spec = gitSpecOf(base)
  if (!spec || (await exists(resolve(cwd, base)))) {
    const loaded = await loadManifest(base, context.fallback)
    return { ...loaded, origin: { kind: 'file', path: base }, exists: true }
  }
  const problem = (code: InputCode, message: string, hint: string): LoadedBase => ({
    diagnostics: [{ severity: 'error', code, file: base, line: 1, column: 1, path: '', message, hint }],
    exists: false,
  })
  if (spec.revision.startsWith('-')) {
    return problem('base-revision', `revision ${excerpt(spec.revision)} starts with "-"`, 'give a branch, tag or commit, e.g. origin/main:infra/partner-drift.yaml')
  }
  // git runs in the head manifest's directory, so the repository is the manifest's whatever the
  // current directory; a `./` path is rewritten to be relative to that directory, keeping git's meaning.
  const gitDir = dirname(resolve(cwd, context.headManifest))
  const path = /^\.\.?(\/|$)/.test(spec.path) ? `./${toPosix(relative(gitDir, resolve(cwd, spec.path))) || '.'}` : spec.path
  const origin: BaseOrigin = { kind: 'git', revision: spec.revision, path: spec.path }
  const git = (args: string[], maxBuffer = 1024 * 1024): Promise<GitResult> => runGit(args, gitDir, maxBuffer)

  const commit = await git(['rev-parse', '--verify', '--quiet', `${spec.revision}^{commit}`])
  if (commit.failure) return problem('base-git', `cannot run git in ${excerpt(gitDir)}: ${commit.failure}`, 'install git, or give --base a manifest file instead of REV:PATH')
  if (commit.code !== 0) {
    const repository = await git(['rev-parse', '--git-dir'])
    if (repository.code !== 0) {
      return problem('base-git', `no file ${excerpt(base)}, and ${excerpt(gitDir)} is not in a git repository to read ${excerpt(spec.revision)} from`, 'give the path of a manifest file, or run in the repository of the manifest')
    }
    return problem(
      'base-revision',
      `no file ${excerpt(base)}, and the repository has no commit ${excerpt(spec.revision)}`,
      'fetch the base first (actions/checkout with fetch-depth: 0, or git fetch origin main), and check the revision name',
    )
  }
  const object = await git(['rev-parse', '--verify', '--quiet', `${spec.revision}:${path}`])
  // Not at that revision: the change creates the manifest, and the base expects nothing.
  if (object.code !== 0) return { desired: { file: base, clusters: [], exceptions: [] }, diagnostics: [], origin, exists: false }
  const oid = object.stdout.toString('utf8').trim()
  const type = await git(['cat-file', '-t', oid])
  if (type.code !== 0 || type.stdout.toString('utf8').trim() !== 'blob') {
    return problem('base-git', `${excerpt(spec.path)} is a directory at ${excerpt(spec.revision)}, not a manifest file`, 'give the path of the manifest file at that revision')
  }
  // Bounded like a file: git is stopped once the text is over the limit.
  const blob = await git(['cat-file', 'blob', oid], MAX_INPUT_BYTES + 1)
  if (blob.overflow) return problem('read', `${excerpt(base)} is more than ${MAX_INPUT_BYTES} bytes (the limit)`, 'check that this is the right file')
  if (blob.code !== 0 || blob.failure) return problem('base-git', `git could not read ${excerpt(base)}: ${excerpt(blob.failure ?? blob.stderr)}`, 'check the repository with git show')
  const input = inputTextOfBytes(blob.stdout, base)
  if (!input.ok) return { diagnostics: input.diagnostics, origin, exists: true }
  return { ...manifestOfText(input.text, base, context.fallback), origin, exists: true }
}

/**
 * `REV:PATH`: a revision of at least one character before the first colon that is not a Windows
 * drive (`C:\\...`), and a path after it. `:PATH` (git's index) is not a base a review compares with.
 */
export function gitSpecOf(base: string): { revision: string; path: string } | undefined {
  if (/^[A-Za-z]:[\\/]/.test(base) || isAbsolute(base)) return undefined
  const colon = base.indexOf(':')
  if (colon <= 0 || colon === base.length - 1) return undefined
  return { revision: base.slice(0, colon), path: base.slice(colon + 1) }
}

interface GitResult {
  code: number
  stdout: Buffer
  stderr: string
  /** git could not be started or was stopped (not installed, timed out). */
  failure?: string
  /** The answer was over `maxBuffer`. */
  overflow?: boolean
}

/** git with an argument array (never a shell), in `cwd`, answering in English whatever the locale, never prompting. */
function runGit(args: string[], cwd: string, maxBuffer: number): Promise<GitResult> {
  // node:child_process is loaded for a review only: it costs every other check about 5 ms of its start.
  const { execFile } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process')
  return new Promise((done) => {
    execFile(
      'git',
      args,
      { cwd, encoding: 'buffer', maxBuffer, timeout: GIT_TIMEOUT_MS, windowsHide: true, env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' } },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null
        const result = { stdout: stdout as Buffer, stderr: (stderr as Buffer).toString('utf8').trim() }
        if (!err) return done({ code: 0, ...result })
        if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return done({ code: 1, ...result, overflow: true })
        if (typeof err.code === 'string') return done({ code: 1, ...result, failure: err.code === 'ENOENT' ? 'git is not installed (or not on PATH)' : err.code })
        if (err.killed) return done({ code: 1, ...result, failure: `git did not answer within ${GIT_TIMEOUT_MS / 1000} s` })
        done({ code: typeof err.code === 'number' ? err.code : 1, ...result })
      },
    )
  })
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}
