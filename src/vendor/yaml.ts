import type * as Yaml from 'yaml'

import { requireVendored } from './require-vendored.js'

// Import yaml from here, not from 'yaml': its bundle loads faster, and only when it is used.
export type { Document, ErrorCode, LineCounter, Node } from 'yaml'

/** The yaml package, loaded on first use. */
export const yaml = (): typeof Yaml => requireVendored('yaml') as typeof Yaml
