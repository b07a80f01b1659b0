import { describeObservationError } from '../../model/observation.js'
import type { DiscoveryListing } from '../../model/discovery.js'
import { escapeControl } from '../../untrusted-text.js'

/** What `partner-drift discover` prints: per account and region, each cluster with its tags and what covers it. */
export function renderDiscoveryListing(listing: DiscoveryListing): string {
  const inert = escapeControl
  const lines: string[] = [`partner-drift: clusters discovered for ${inert(listing.manifest)} through source ${inert(listing.source)}`, '']
  const org = listing.organization
  if (org) {
    lines.push('error' in org ? `  organization: could not list its accounts: ${inert(describeObservationError('organization', org.error))}` : `  organization: ${org.accounts} accounts, ${org.active} ACTIVE`, '')
  }
  for (const scope of listing.scopes) {
    const head = `  account ${inert(scope.accountId)}, ${inert(scope.region)}`
    if (scope.error) {
      lines.push(`${head}: could not look: ${inert(describeObservationError(`${scope.accountId}/${scope.region}`, scope.error))}`)
      if (scope.error.hint) lines.push(`    hint: ${inert(scope.error.hint)}`)
      continue
    }
    lines.push(`${head}: ${scope.clusters.length} cluster${scope.clusters.length === 1 ? '' : 's'}`)
    for (const c of scope.clusters) {
      const tags = c.tags.length ? c.tags.map((t) => `${inert(t.key)}=${inert(t.value)}`).join(' ') : '(no tags)'
      const covered = [...c.rules.map((r) => `rule "${inert(r)}"`), ...(c.entry ? ['clusters: entry'] : [])]
      lines.push(`    ${inert(c.cluster)}${c.status ? ` (${inert(c.status)})` : ''}  ${tags}`, `      ${covered.length ? `covered by ${covered.join(', ')}` : 'unmanaged: no rule and no entry covers it'}`)
    }
  }
  lines.push('')
  for (const rule of listing.unusedRules) lines.push(`  unused rule "${inert(rule.name)}" at ${inert(rule.location.file)}:${rule.location.line}:${rule.location.column}: it selects no discovered cluster`)
  const c = listing.coverage
  lines.push(`Coverage: ${c.clusters} cluster${c.clusters === 1 ? '' : 's'} discovered: ${c.byRules} covered by rules, ${c.byEntries} by clusters: entries, ${c.unmanaged} unmanaged.`)
  return lines.join('\n') + '\n'
}
