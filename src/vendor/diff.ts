import type * as Diff from 'diff'

import { requireVendored } from './require-vendored.js'

// Import diff from here, not from 'diff': its bundle loads faster, and only when it is used.

/** The diff package, loaded on first use. */
export const diff = (): typeof Diff => requireVendored('diff') as typeof Diff
