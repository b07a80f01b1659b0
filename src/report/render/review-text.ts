import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import type { ExpectationChange, Review, ReviewState } from '../../model/review.js'

/** How many new failing findings the lead sentence names before saying "and N more". */
const NAMED_IN_LEAD = 3

/** `+` added, `-` removed, `~` changed: the marks of `terraform plan`. */
export const CHANGE_MARK: Record<ExpectationChange['change'], string> = { added: '+', removed: '-', changed: '~' }

/** What each review state is called where a finding is shown. */
export const REVIEW_STATE_LABEL: Record<ReviewState, string> = { introduced: 'new', unchanged: 'unchanged', escalated: 'now failing' }

/**
 * The sentence a review leads with, in plain text (each format escapes it as it must):
 * "This change adds 3 expectations, removes 1; 1 new failing finding (Etleap on analytics-prod/sales:
 * not integrated; expected status Active); resolves 2". Every number comes from the review's counts.
 */
export function reviewLead(report: Report & { review: Review }): string {
  const { review } = report
  const c = review.counts
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  const edits = [c.added ? `adds ${plural(c.added, 'expectation')}` : '', c.removed ? `removes ${c.removed}` : '', c.changed ? `changes ${c.changed}` : ''].filter(Boolean)
  const failing = report.findings.filter(isNewFailing)
  const named = failing.slice(0, NAMED_IN_LEAD).map(findingPhrase)
  const more = failing.length > NAMED_IN_LEAD ? `, and ${failing.length - NAMED_IN_LEAD} more` : ''
  const parts = [
    `This change ${edits.length ? edits.join(', ') : 'changes no expectation'}`,
    `${c.newFailing ? plural(c.newFailing, 'new failing finding') : 'no new failing finding'}${named.length ? ` (${named.join('; ')}${more})` : ''}`,
    ...(c.resolved ? [`resolves ${c.resolved}`] : []),
    ...(c.unchanged ? [`${c.unchanged} unchanged`] : []),
  ]
  const errors = report.summary.errors
  const unobserved = errors ? `; ${plural(errors, 'cluster')} could not be observed, which fails the run` : ''
  const created = review.baseExists ? '' : `New manifest (${review.base} does not exist): `
  return `${created}${parts.join('; ')}${unobserved}.`
}

/** A finding that the change brings and that fails the run. */
export function isNewFailing(f: ReportedFinding): boolean {
  return f.failing && (f.reviewState === 'introduced' || f.reviewState === 'escalated')
}

/** `missing Etleap on analytics-prod/sales: not integrated; expected status Active`. */
export function findingPhrase(f: ReportedFinding): string {
  return `${f.kind} ${f.partner !== undefined ? `${f.partner} on ` : ''}${f.cluster}${f.database !== undefined ? `/${f.database}` : ''}: ${f.message}`
}
