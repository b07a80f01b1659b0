import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
let loaded: typeof import('node:crypto') | undefined

/**
 * node:crypto, loaded when it is first used rather than with every module that may use it:
 * loading it costs 6-7 ms of a start, and most runs need none of it (a check with no finding, a
 * `validate`, `--help`).
 */
export function nodeCrypto(): typeof import('node:crypto') {
  return (loaded ??= require('node:crypto') as typeof import('node:crypto'))
}

/** The SHA-256 digest of `text` (UTF-8). */
export function sha256(text: string): Buffer {
  return nodeCrypto().createHash('sha256').update(text).digest()
}
