import { isUtf8 } from 'node:buffer'
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { addAbortSignal } from 'node:stream'

import type { InputCode } from '../model/error-codes.js'
import type { Diagnostic } from './diagnostics.js'

/** Inputs larger than this are refused: no document this tool reads is legitimately that big. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024

export interface ReadInputOptions {
  /** Default `MAX_INPUT_BYTES`. Enforced on the bytes actually read, not on what `stat` claims. */
  maxBytes?: number
  /** The name used in every message (the path as the user wrote it); default `path`. */
  displayName?: string
  /** Whether `-` means standard input here. Where it does not, `-` is refused rather than read as a file. */
  stdin?: boolean
  /** What the file should be, for hints, e.g. `a Terraform state file`; default `a YAML or JSON file`. */
  expected?: string
  /**
   * Stops reading standard input when aborted (a source passes its `context.signal`): a pipe
   * whose writer never closes it must not hold the run past its deadline.
   */
  signal?: AbortSignal
}

/** The text of an input, or why it cannot be used (never both). */
export type InputText =
  | {
      ok: true
      text: string
      /** The name used in messages: `displayName`, or `<stdin>`. */
      file: string
      /** The file's modification time; absent for stdin. */
      modifiedAt?: Date
    }
  | { ok: false; file: string; diagnostics: Diagnostic[] }

// A regular file is read in one call into a buffer of its size (at most `maxBytes + 1`, checked
// above), so that a large input is not held twice (chunks, then their concatenation); a `stat`
// that says 0 (a /proc file) gets this much per read.
const MIN_CHUNK = 64 * 1024

/**
 * Reads an untrusted input file (manifest, snapshot, state, exceptions, baseline) as UTF-8 text.
 * Never throws: every refusal is a located diagnostic with a hint.
 *
 * - Only regular files: the file is opened non-blocking, so a FIFO cannot hang the run, and the
 *   open handle is checked (not the path, which could be swapped in between); FIFOs, devices,
 *   sockets and directories are refused.
 * - At most `maxBytes`: reading stops at `maxBytes + 1`, so `/dev/zero` behind a symlink, or a
 *   `/proc` file whose `stat` says 0 bytes, cannot exhaust memory.
 * - Text only: a NUL byte means binary (or `/proc/self/environ`, whose content must never be
 *   quoted back), refused without showing any of it; invalid UTF-8 is refused at its position.
 *
 * @example
 * const input = await readInputText('partner-drift.yaml')
 * if (!input.ok) return input.diagnostics
 */
export async function readInputText(path: string, options: ReadInputOptions = {}): Promise<InputText> {
  const input = await readInputBytes(path, options)
  return input.ok ? { ok: true, text: textOf(input.bytes), file: input.file, ...(input.modifiedAt ? { modifiedAt: input.modifiedAt } : {}) } : input
}

/** The bytes of an input that `readInputText` accepts, checked as it checks them: valid UTF-8 text, at most `maxBytes`. */
type InputBytes = { ok: true; bytes: Buffer; file: string; modifiedAt?: Date } | { ok: false; file: string; diagnostics: Diagnostic[] }

/** The bounded, checked reading behind `readInputText`, before the decoding (`textOf` decodes as it does). */
export async function readInputBytes(path: string, options: ReadInputOptions = {}): Promise<InputBytes> {
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES
  const expected = options.expected ?? 'a YAML or JSON file'
  if (path === '-' && options.stdin) return readStdin(maxBytes, options.signal)
  const file = options.displayName ?? path
  if (path === '-') return refused(file, 'read', `${file}: standard input is not read here`, `give the path of ${expected}; for a file named -, write ./-`)

  let handle
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    // It changes nothing for a regular file. (Windows has no such flag and no FIFOs to open.)
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (error) {
    return refused(file, 'read', ...openFailure(file, error as NodeJS.ErrnoException, expected))
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) {
      return refused(file, 'read', `${file} is ${fileKind(info)}, not a regular file`, `give the path of ${expected}; pipes, devices, sockets and directories are not read`)
    }
    // A regular file's size is usually true: refuse at once instead of reading 64 MiB to find out.
    if (info.size > maxBytes) {
      return refused(file, 'read', `file is ${info.size} bytes; the limit is ${maxBytes} bytes`, 'split the input or check that this is the right file')
    }
    // The whole file in the first read; whatever a file that grew since `stat` adds, in small reads.
    let chunkSize = Math.max(MIN_CHUNK, info.size + 1)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const want = Math.min(chunkSize, maxBytes + 1 - total)
      if (want <= 0) break
      const buffer = Buffer.allocUnsafe(want)
      const { bytesRead } = await handle.read(buffer, 0, want, null)
      if (bytesRead === 0) break
      chunks.push(buffer.subarray(0, bytesRead))
      total += bytesRead
      chunkSize = MIN_CHUNK
    }
    if (total > maxBytes) {
      return refused(file, 'read', `file is more than ${maxBytes} bytes (the limit)`, 'split the input or check that this is the right file')
    }
    return decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total), file, info.mtime)
  } catch (error) {
    return refused(file, 'read', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/** How much of a file `readInputChunks` holds at a time. */
const INPUT_CHUNK_BYTES = 1024 * 1024

/**
 * The bounded reader's checks on a regular file, read a chunk at a time into one buffer that is
 * used again for every chunk: each chunk is handed to `consume` (which must copy what it keeps)
 * and ends where a character ends. On this kind of machine, memory a process touches for the
 * first time costs about 4-5 ms per megabyte: a 23 MB snapshot read whole cost 100 ms more than
 * read this way. `'read'` when every chunk was accepted; `'stopped'` when `consume` answered
 * false; `'refused'` for anything `readInputBytes` refuses (not a regular file, too large, a NUL
 * byte, invalid UTF-8), or cannot open: the caller reads it with `readInputBytes`, which says
 * where and why. Each read is awaited, as `readInputBytes`'s: a file system that never answers
 * holds the read, not the run, which `--timeout` still ends.
 */
export async function readInputChunks(path: string, consume: (chunk: Buffer) => boolean, options: ChunkOptions = {}): Promise<ChunkOutcome> {
  let handle
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch {
    return 'refused'
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) return 'refused'
    const reading = chunkReading(info.size, consume, options)
    for (let step = reading.next(0); ; ) {
      if (step.done) return step.value
      const { bytesRead } = await handle.read(step.value.buffer, step.value.offset, step.value.length, null)
      step = reading.next(bytesRead)
    }
  } catch {
    return 'refused'
  } finally {
    await handle.close().catch(() => undefined)
  }
}

/**
 * `readInputChunks` with reads that block until they are done: only for a position asked for
 * after a JSON file was read (`readDocument`), which must be answered at once, and only to
 * report a problem in that file.
 */
export function readInputChunksSync(path: string, consume: (chunk: Buffer) => boolean, options: ChunkOptions = {}): ChunkOutcome {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch {
    return 'refused'
  }
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) return 'refused'
    const reading = chunkReading(info.size, consume, options)
    for (let step = reading.next(0); ; ) {
      if (step.done) return step.value
      step = reading.next(readSync(fd, step.value.buffer, step.value.offset, step.value.length, null))
    }
  } catch {
    return 'refused'
  } finally {
    closeSync(fd)
  }
}

interface ChunkOptions {
  maxBytes?: number
  /** Default `INPUT_CHUNK_BYTES`. */
  chunkBytes?: number
}

type ChunkOutcome = 'read' | 'stopped' | 'refused'

/** A read `chunkReading` asks for: into `buffer` at `offset`, at most `length` bytes; it is answered with the bytes read. */
interface ChunkRead {
  buffer: Buffer
  offset: number
  length: number
}

/** The checks and the chunks of `readInputChunks`, whichever way the reads are made, for a regular file of `size` bytes. */
function* chunkReading(size: number, consume: (chunk: Buffer) => boolean, options: ChunkOptions): Generator<ChunkRead, ChunkOutcome, number> {
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES
  if (size > maxBytes) return 'refused'
  // Four bytes more than a chunk: the start of a character cut off at a chunk's end is carried over.
  const buffer = Buffer.allocUnsafe(Math.max(4, Math.min(options.chunkBytes ?? INPUT_CHUNK_BYTES, size + 1)) + 4)
  let carried = 0
  let total = 0
  for (;;) {
    const bytesRead = yield { buffer, offset: carried, length: buffer.length - carried }
    if (bytesRead === 0) return carried === 0 ? 'read' : 'refused'
    total += bytesRead
    if (total > maxBytes) return 'refused'
    const end = carried + bytesRead
    const cut = characterEnd(buffer, end)
    const chunk = buffer.subarray(0, cut)
    if (chunk.includes(0) || !isUtf8(chunk)) return 'refused'
    if (!consume(chunk)) return 'stopped'
    carried = end - cut
    buffer.copy(buffer, 0, cut, end)
  }
}

/** Where the last whole character of `bytes[0, end)` ends: before a sequence its last bytes leave unfinished. */
function characterEnd(bytes: Buffer, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const b = bytes[i]!
    if ((b & 0xc0) === 0x80) continue
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return i + length > end ? i : end
  }
  return end
}

async function readStdin(maxBytes: number, signal?: AbortSignal): Promise<InputBytes> {
  const file = '<stdin>'
  // A terminal would wait for someone to type a state; in a pipeline stdin is never a TTY.
  if (process.stdin.isTTY) {
    return refused(file, 'read', 'nothing is piped to standard input', 'pipe the input in, e.g. terraform state pull | partner-drift check --source tfstate:-')
  }
  const unfinished = (): InputBytes =>
    refused(file, 'read', 'standard input was still open when the deadline passed', 'check that the command piping into partner-drift ends, or raise --timeout')
  if (signal?.aborted) return unfinished()
  // Destroys stdin on abort, which ends the loop below with an error.
  if (signal) addAbortSignal(signal, process.stdin)
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of process.stdin) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      total += bytes.length
      // Leaving the loop destroys the stream: nothing beyond the limit is kept or read.
      if (total > maxBytes) return refused(file, 'read', `more than ${maxBytes} bytes on standard input (the limit)`, 'check that the right thing is piped in')
      chunks.push(bytes)
    }
  } catch (error) {
    if (signal?.aborted) return unfinished()
    return refused(file, 'read', `cannot read standard input: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return decode(Buffer.concat(chunks, total), file)
}

const decoder = new TextDecoder('utf-8')

/**
 * Bytes read from somewhere other than a file (`git show REV:PATH`), judged as `readInputText`
 * judges a file's: at most `maxBytes`, text only, valid UTF-8. `file` names it in every message.
 */
export function inputTextOfBytes(bytes: Buffer, file: string, maxBytes = MAX_INPUT_BYTES): InputText {
  if (bytes.length > maxBytes) return refused(file, 'read', `${file} is more than ${maxBytes} bytes (the limit)`, 'split the input or check that this is the right file')
  const checked = decode(bytes, file)
  return checked.ok ? { ok: true, text: textOf(checked.bytes), file } : checked
}

/** The text of bytes `decode` accepted. A leading byte order mark is dropped. */
export function textOf(bytes: Buffer): string {
  return decoder.decode(bytes)
}

/** Bytes accepted as text, or refused as binary or invalid UTF-8. */
function decode(bytes: Buffer, file: string, modifiedAt?: Date): InputBytes {
  if (bytes.includes(0)) {
    // Deliberately nothing of the content, not even where the NUL is: the bytes may be
    // /proc/self/environ, and a position would tell the length of the first variable.
    return refused(
      file,
      'binary',
      `${file} contains a NUL byte: it is binary, not a text file; nothing of it is shown`,
      'give the path of a YAML or JSON text file; check that it is not a symlink to a device or /proc file',
    )
  }
  // Checked apart from the decoding, which is then faster than a fatal decoder's (about 170 against 230 ms for a 23 MB snapshot).
  if (!isUtf8(bytes)) {
    return refused(file, 'encoding', `${file} is not valid UTF-8`, 'save the file as UTF-8', positionOf(bytes, firstInvalidUtf8(bytes)))
  }
  return { ok: true, bytes, file, ...(modifiedAt ? { modifiedAt } : {}) }
}

/** Line and column of byte `offset`, counted like the YAML parser counts (columns in UTF-16 units). */
function positionOf(bytes: Buffer, offset: number): { line: number; column: number } {
  if (offset < 0) return { line: 1, column: 1 }
  let line = 1
  let lineStart = 0
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++
    lineStart = i + 1
  }
  // The bytes before `offset` are valid UTF-8: it is the first byte that is not.
  return { line, column: bytes.subarray(lineStart, offset).toString('utf8').length + 1 }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence; -1 if none. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    let length: number
    let min: number
    if (b < 0x80) {
      i++
      continue
    } else if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80]
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800]
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000]
    else return i
    if (i + length > bytes.length) return i
    let code = b & (0xff >> (length + 1))
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]
      if ((c & 0xc0) !== 0x80) return i
      code = (code << 6) | (c & 0x3f)
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return i
    i += length
  }
  return -1
}

function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a directory'
  if (info.isFIFO()) return 'a named pipe (FIFO)'
  if (info.isCharacterDevice()) return 'a character device'
  if (info.isBlockDevice()) return 'a block device'
  if (info.isSocket()) return 'a socket'
  return 'not a regular file'
}

function openFailure(file: string, error: NodeJS.ErrnoException, expected: string): [string, string?] {
  switch (error.code) {
    case 'ENOENT':
      return [`cannot read ${file}: no such file`, 'check the path (it is relative to the current directory)']
    case 'EACCES':
    case 'EPERM':
      return [`cannot read ${file}: permission denied`, 'check the file\'s permissions']
    case 'ENOTDIR':
      return [`cannot read ${file}: a part of the path is not a directory`, 'check the path']
    case 'ELOOP':
      return [`cannot read ${file}: too many symbolic links`, `give the path of ${expected}`]
    case 'ENXIO':
      // Opening a socket, or a FIFO for writing, with O_NONBLOCK.
      return [`${file} is not a regular file`, `give the path of ${expected}; pipes, devices, sockets and directories are not read`]
    default:
      return [`cannot read ${file}: ${error.code ?? error.message}`]
  }
}

function refused(file: string, code: InputCode, message: string, hint?: string, at = { line: 1, column: 1 }): { ok: false; file: string; diagnostics: Diagnostic[] } {
  return { ok: false, file, diagnostics: [{ severity: 'error', code, file, ...at, path: '', message, ...(hint ? { hint } : {}) }] }
}
