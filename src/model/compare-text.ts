/**
 * The one order of names in every output: by UTF-16 code unit (code-point order but for characters
 * beyond U+FFFF), the same on every machine whatever its locale, unlike `localeCompare`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
