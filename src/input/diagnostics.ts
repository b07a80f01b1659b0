import { compareText } from '../model/compare-text.js'
import { escapeControl } from '../untrusted-text.js'

/**
 * A problem found in a user's input (manifest, snapshot, source options), located at
 * the exact YAML/JSON node it comes from. Diagnostics are data: the code that finds
 * them never prints, and every command renders them the same way.
 */
export interface Diagnostic {
  severity: 'error' | 'warning'
  /** Stable identifier, e.g. `schema`, `yaml-bad-indent`, `duplicate-cluster`: partner-drift's own are listed in docs/errors.md; a source may give its own. */
  code: string
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  /** Key path of the offending node, e.g. `clusters[0].databases[1].partners[0].status`. */
  path: string
  message: string
  /** What to do about it. */
  hint?: string
}

/** Thrown when an input cannot be used at all; carries every problem found, not only the first. */
export class InputError extends Error {
  readonly diagnostics: Diagnostic[]

  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'))
    this.name = 'InputError'
    this.diagnostics = diagnostics
  }
}

/**
 * `FILE:LINE:COLUMN: <key path>: <message> [<code>]` plus an indented hint line. File names, key paths,
 * messages and hints can quote input (a key, a value, a file name from a pull request), so each is
 * shown with its control characters escaped: a diagnostic cannot forge a line or drive the
 * terminal. Escaping is idempotent, so text already escaped where it was quoted stays as it is.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${escapeControl(d.file)}:${d.line}:${d.column}`
  const label = d.severity === 'warning' ? 'warning: ' : ''
  const path = d.path ? `${escapeControl(d.path)}: ` : ''
  return `${where}: ${label}${path}${escapeControl(d.message)} [${escapeControl(d.code)}]` + (d.hint ? `\n  hint: ${escapeControl(d.hint)}` : '')
}

/** By file, position and message, in the project's one order of text: the same on every machine, whatever its locale. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.message, b.message))
}

/** Closest candidate by edit distance, for "did you mean ...?" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // "warning" for "warn", "Fivetran" for "Fivetran-prod": one is the start of the other.
  const lower = word.toLowerCase()
  const prefix = candidates.find((c) => Math.min(c.length, word.length) >= 3 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lower)))
  if (prefix) return prefix
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
