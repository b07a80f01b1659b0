import type { FileLocation, ReportedFinding } from '../model/finding.js'
import type { Report } from '../model/report.js'
import type { ExpectationChange, Review, ReviewState } from '../model/review.js'

/**
 * The base's failing findings by fingerprint, each where the base has it: what the head's
 * judgement accepts as known (`suppressed: { by: 'base' }`), as a baseline would.
 */
export function failingInBase(base: Report, name: string): Map<string, FileLocation> {
  return new Map(base.findings.filter((f) => f.failing).map((f) => [f.fingerprint, f.location ?? { file: name, line: 1, column: 1 }]))
}

/**
 * The head's report with what the change did: each finding's review state against the base's
 * finding of the same fingerprint, the base's findings the head no longer has (resolved), the
 * expectation changes, and their counts. The verdict is the head report's own, already judged
 * with the base's failing findings known: nothing here decides it again.
 */
export function withReview(head: Report, base: Report, context: { base: string; baseExists: boolean; changes: ExpectationChange[] }): Report {
  const inBase = new Map(base.findings.map((f) => [f.fingerprint, f]))
  const inHead = new Set(head.findings.map((f) => f.fingerprint))
  const findings = head.findings.map((f): ReportedFinding => ({ ...f, reviewState: reviewStateOf(f, inBase.get(f.fingerprint)) }))
  const resolved = base.findings.filter((f) => !inHead.has(f.fingerprint))
  const count = (state: ReviewState): number => findings.filter((f) => f.reviewState === state).length
  const review: Review = {
    base: context.base,
    baseExists: context.baseExists,
    counts: {
      added: context.changes.filter((c) => c.change === 'added').length,
      removed: context.changes.filter((c) => c.change === 'removed').length,
      changed: context.changes.filter((c) => c.change === 'changed').length,
      introduced: count('introduced'),
      unchanged: count('unchanged'),
      escalated: count('escalated'),
      resolved: resolved.length,
      newFailing: findings.filter((f) => f.failing && f.reviewState !== 'unchanged').length,
    },
    changes: context.changes,
    resolved,
  }
  return { ...head, findings, review }
}

function reviewStateOf(finding: ReportedFinding, before: ReportedFinding | undefined): ReviewState {
  if (!before) return 'introduced'
  return finding.failing && !before.failing ? 'escalated' : 'unchanged'
}
