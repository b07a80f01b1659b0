/** A problem with the command line or the set of installed sources (not with the manifest). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'SourceError'
  }
}
