/**
 * Text that comes from outside (manifests, snapshots, state, API answers, plugins' results) is
 * shown to people in terminals, CI logs and review tools. A control character in it could move
 * the cursor, clear the screen, forge a line of the report, or start a workflow command in a
 * CI log; a bidi override could make a name read as another. Every human-readable output passes
 * such text through `escapeControl`, which shows those characters escaped (`\n`, `\u001b`) so
 * the reader still sees that they were there.
 */

/**
 * C0 controls (newline, carriage return and tab included), DEL, C1 controls, the line and
 * paragraph separators, and the bidi embedding, override, isolate and mark characters.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

const NAMED: ReadonlyMap<string, string> = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
])

/** True when `text` holds a character `escapeControl` would escape. */
export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0
  return UNSAFE.test(text)
}

/** `a\nb` (a real newline) -> `a\nb` (backslash, n): the text stays on one line and inert. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED.get(c) ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** At most this many characters of an input value are quoted in a diagnostic. */
export const EXCERPT_LENGTH = 80

/**
 * A short, escaped, quoted excerpt of an input value for a diagnostic. A diagnostic never quotes
 * a whole value: a manifest that is a symlink to a file of secrets must not print the secrets.
 */
export function excerpt(text: string, max = EXCERPT_LENGTH): string {
  const chars = [...text]
  const shown = escapeControl(chars.length > max ? chars.slice(0, max).join('') : text)
  return chars.length > max ? `"${shown}…" (${chars.length} characters)` : `"${shown}"`
}

/**
 * `JSON.stringify` escapes C0 controls but leaves DEL, C1 controls, the line separators and the
 * bidi characters raw inside strings, where a terminal or a log viewer showing the file still
 * acts on them. Re-escaped as `\uXXXX` they parse back to exactly the same value. Outside its
 * strings, JSON text holds no such character, and inside them none can follow a backslash (JSON's
 * escapes are ASCII), so a plain replacement is safe.
 */
// eslint-disable-next-line no-control-regex
const RAW_IN_JSON = /[\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

/** `JSON.stringify` output with no raw control or bidi character left in it. */
export function jsonWithoutRawControl(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
