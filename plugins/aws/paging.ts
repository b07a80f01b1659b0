import { InvalidResponseError } from './raw-answers.js'

/**
 * Follows NextToken to the last page (the JSON services: Organizations, CloudTrail). A token
 * handed out twice would page forever, so the listing could never be complete: that is an
 * invalid answer of `service`, not a long wait.
 */
export async function everyPage<P extends { NextToken?: string; $metadata: { requestId?: string } }>(
  service: string,
  fetch: (token: string | undefined) => Promise<P>,
  onPage: (page: P) => void,
): Promise<void> {
  const seen = new Set<string>()
  let token: string | undefined
  do {
    const page = await fetch(token)
    onPage(page)
    token = page.NextToken || undefined
    if (token !== undefined) {
      if (seen.has(token)) throw new InvalidResponseError(`${service} returned a NextToken it had already returned (the pages loop)`, 200, page.$metadata.requestId)
      seen.add(token)
    }
  } while (token !== undefined)
}
