import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

import { nodeCrypto } from '../model/node-crypto.js'
import { escapeControl } from '../untrusted-text.js'
import { encodedInOneBuffer } from './output.js'

/** One `--output FORMAT=PATH`, checked: `path` is absolute, or `-` for stdout. */
export interface OutputTarget<Format extends string = string> {
  format: Format
  /** As the user wrote it, for messages. */
  written: string
  path: string
}

/** A file the run reads; an output must never overwrite one. */
export interface InputFile {
  /** What it is, for messages: `manifest`, `--baseline`... */
  role: string
  path: string
}

/** A file a command is asked to write: `label` is how the command line named it, for messages. */
export interface RequestedTarget<Format extends string = string> {
  label: string
  format: Format
  /** As the user wrote it; `-` for stdout. */
  written: string
}

/**
 * Checks every `--output FORMAT=PATH` before the first API call (see `checkTargets`); a spec that
 * is not FORMAT=PATH with a known format is a problem too. Returns the problems, all at once.
 */
export async function checkOutputTargets<Format extends string>(
  specs: readonly string[],
  options: { formats: readonly Format[]; stdoutFormat?: string; inputs: readonly InputFile[]; cwd?: string },
): Promise<{ targets: OutputTarget<Format>[]; problems: string[] }> {
  const problems: string[] = []
  const requested: RequestedTarget<Format>[] = []
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const format = spec.slice(0, Math.max(0, eq)) as Format
    const written = spec.slice(eq + 1)
    if (eq <= 0 || !options.formats.includes(format) || written === '') {
      problems.push(`--output ${escapeControl(spec)}: not FORMAT=PATH with a format of ${options.formats.join(', ')} (e.g. --output sarif=partner-drift.sarif)`)
    } else {
      requested.push({ label: `--output ${escapeControl(spec)}`, format, written })
    }
  }
  const checked = await checkTargets(requested, options)
  return { targets: checked.targets, problems: [...problems, ...checked.problems] }
}

/**
 * Checks the files a command will write before it observes anything, so that a mistake costs
 * nothing and a good earlier file is never lost: a path is given once; stdout carries one
 * document; no target is a directory or a file the run reads (manifest, snapshot, state,
 * exceptions, baseline: a report written over its own input would destroy the evidence); a
 * missing directory is created now, and the directory is shown to be writable.
 */
export async function checkTargets<Format extends string>(
  requested: readonly RequestedTarget<Format>[],
  options: { stdoutFormat?: string; inputs: readonly InputFile[]; cwd?: string },
): Promise<{ targets: OutputTarget<Format>[]; problems: string[] }> {
  const cwd = options.cwd ?? process.cwd()
  const problems: string[] = []
  const targets: OutputTarget<Format>[] = []
  const seen = new Map<string, string>()
  const inputs = await Promise.all(options.inputs.map(async (input) => ({ ...input, identity: await identityOf(resolve(cwd, input.path)) })))

  for (const { label, format, written } of requested) {
    if (written === '-') {
      if (options.stdoutFormat !== undefined) problems.push(`${label}: --format ${options.stdoutFormat} already writes a report to stdout; stdout carries one document (drop one, or write this one to a file)`)
      else if (seen.has('-')) problems.push(`${label}: ${seen.get('-')} already writes to stdout; stdout carries one document`)
      else seen.set('-', label)
      targets.push({ format, written, path: '-' })
      continue
    }
    const path = resolve(cwd, written)
    const identity = await identityOf(path)
    const earlier = seen.get(identity)
    if (earlier) {
      problems.push(`${label}: the same file as ${earlier}; give each its own path`)
      continue
    }
    seen.set(identity, label)
    const input = inputs.find((i) => i.identity === identity)
    if (input) {
      problems.push(`${label}: this is the ${input.role} ${escapeControl(input.path)}, which the run reads; write somewhere else`)
      continue
    }
    const problem = await targetProblem(path)
    if (problem) problems.push(`${label}: ${problem}`)
    else targets.push({ format, written, path })
  }
  return { targets, problems }
}

/** The files a run reads through its source: the `NAME:ARG` argument and `path`-like source options. */
export function sourceInputFiles(spec: { name: string; argument?: string }, optionPairs: readonly string[]): InputFile[] {
  const inputs: InputFile[] = []
  if (spec.argument && spec.argument !== '-') inputs.push({ role: `${spec.name} input`, path: spec.argument })
  for (const pair of optionPairs) {
    const eq = pair.indexOf('=')
    const [key, value] = [pair.slice(0, eq), pair.slice(eq + 1)]
    if (/(^path|Path|File)$/.test(key) && value && value !== '-') inputs.push({ role: `${spec.name} input`, path: value })
  }
  return inputs
}

/** Two names for one file (a symlink, `./x` and `x`, a hard link) have one identity. */
async function identityOf(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  return info ? `inode:${info.dev}:${info.ino}` : `path:${path}`
}

/** Why a report cannot be written to `path`; creates its missing directory. */
async function targetProblem(path: string): Promise<string | undefined> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') return `cannot be used: ${code ?? (error as Error).message}`
  }
  if (info?.isDirectory()) return 'is a directory; give a file path'
  if (info && !info.isFile()) return 'is not a regular file; reports are written to regular files (or - for stdout)'
  try {
    await mkdir(dirname(path), { recursive: true })
  } catch (error) {
    return `cannot create its directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
  }
  // The write itself is the only reliable test of writability (read-only mounts, name limits, ACLs).
  const probe = temporaryPathFor(path)
  try {
    await writeFile(probe, '', { flag: 'wx' })
    await unlink(probe)
  } catch (error) {
    return `cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
  }
  return undefined
}

/** Beside the target, so the rename stays on one file system; short enough for any name limit. */
function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path).slice(0, 200)}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Writes a whole file or nothing: a temporary file in the same directory, then a rename, so that
 * a full disk or a crash never replaces a good earlier report with a truncated one. Text in pieces
 * is written as the pieces come, never joined into one string.
 */
export async function writeFileAtomic(path: string, text: string | Iterable<string>): Promise<void> {
  const temporary = temporaryPathFor(path)
  try {
    // writeFile finishes writing each piece before it asks for the next.
    await writeFile(temporary, typeof text === 'string' ? text : encodedInOneBuffer(text), { flag: 'wx', flush: true })
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => undefined)
    throw error
  }
}

/**
 * Writes every file target; one that fails does not stop the others. Returns one message per
 * failure, naming the target.
 */
export async function writeOutputFiles<Format extends string>(targets: readonly OutputTarget<Format>[], render: (format: Format) => string | Iterable<string>): Promise<string[]> {
  const failures: string[] = []
  for (const target of targets) {
    if (target.path === '-') continue
    try {
      await writeFileAtomic(target.path, render(target.format))
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      const reason = e.code && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message
      failures.push(`could not write the ${target.format} report to ${escapeControl(target.written)}: ${escapeControl(reason)}`)
    }
  }
  return failures
}
