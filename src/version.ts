import { readFileSync } from 'node:fs'

/** partner-drift's own version, from its package.json (dist/src/version.js -> <package root>/package.json). */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
