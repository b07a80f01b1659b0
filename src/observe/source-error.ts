import type { UsageCode } from '../model/error-codes.js'

/**
 * A problem with the command line or the set of installed sources (not with the manifest):
 * shown as `Error: message`, `Code: code` and `Try this: hint`, exit 1.
 */
export class SourceError extends Error {
  constructor(
    readonly code: UsageCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'SourceError'
  }
}
