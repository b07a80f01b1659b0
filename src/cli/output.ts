import { type Diagnostic, formatDiagnostic, InputError } from '../input/diagnostics.js'
import { SourceError } from '../observe/source-error.js'
import { escapeControl } from '../untrusted-text.js'

/**
 * --color and --no-color decide, as the command line beats the environment; without either,
 * kleur's rule: never with NO_COLOR or TERM=dumb; otherwise on a TTY, or anywhere when
 * FORCE_COLOR asks for it.
 */
export function shouldColor(flag: boolean | undefined, stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR !== undefined || env.TERM === 'dumb') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

/** Every diagnostic, then a count per file: all problems at once, never a stack trace. */
export function diagnosticsText(diagnostics: Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error')
  const lines = diagnostics.map(formatDiagnostic)
  const files = [...new Set(errors.map((d) => d.file))]
  for (const file of files) {
    const n = errors.filter((d) => d.file === file).length
    lines.push(`${escapeControl(file)}: ${n} problem${n === 1 ? '' : 's'}`)
  }
  return lines.join('\n') + '\n'
}

/**
 * Known failures become a message and exit 1; anything else is a bug and keeps its stack.
 * A source's message and hint can quote input, so they are shown escaped. The message keeps the
 * lines it was built with (invalid options are listed one per line); inside each line, control
 * characters are escaped.
 */
export function describeFailure(error: unknown): { text: string } | undefined {
  if (error instanceof InputError) return { text: diagnosticsText(error.diagnostics) }
  if (error instanceof SourceError) {
    const message = error.message.split('\n').map(escapeControl).join('\n')
    return { text: `Error: ${message}\nCode: ${error.code}\n${error.hint ? `Try this: ${escapeControl(error.hint)}\n` : ''}` }
  }
  return undefined
}

/**
 * Writes and waits until the text is handed to the OS. oclif ends with process.exit(), which
 * would otherwise cut a large report short when stdout is a pipe. Text in pieces is written piece
 * by piece, each piece's write finished before the next piece is made, so that a large report is
 * never held whole in memory, neither as one string nor in the stream's buffer.
 */
export async function writeStdout(text: string | Iterable<string>): Promise<void> {
  const write = (piece: string | Buffer): Promise<void> => new Promise((resolve, reject) => process.stdout.write(piece, (error) => (error ? reject(error) : resolve())))
  if (typeof text === 'string') return write(text)
  for (const bytes of encodedInOneBuffer(text)) await write(bytes)
}

/**
 * The UTF-8 bytes of each piece, every time in the same buffer: each must be used up (written,
 * and the write finished) before the next is asked for. Written as strings, the pieces of a
 * 40 MB report each became a buffer of their own, freed only when garbage collection got to it
 * (40 MB more at the peak).
 */
export function* encodedInOneBuffer(pieces: Iterable<string>): Generator<Buffer> {
  let bytes = Buffer.allocUnsafe(0)
  for (const piece of pieces) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (bytes.length < piece.length * 3) bytes = Buffer.allocUnsafe(piece.length * 3)
    yield bytes.subarray(0, bytes.write(piece))
  }
}
