import type { ClusterIdentity } from './cluster.js'
import type { FileLocation, ReportedFinding } from './finding.js'

export type { ReviewState } from './finding.js'

/** What an expectation change is about. */
export type ExpectationSubject = 'cluster' | 'integration' | 'absent' | 'extra' | 'policy' | 'rule' | 'discover' | 'unmanaged'

/** One thing the change declares differently: added and changed are located in the head manifest, removed in the base. */
export interface ExpectationChange extends Partial<ClusterIdentity> {
  change: 'added' | 'removed' | 'changed'
  subject: ExpectationSubject
  database?: string
  partner?: string
  /** For `rule`: the rule's name. */
  rule?: string
  /** As declared before and after, in the manifest's words (`status Active; maxStatusAge 7d`). */
  before?: string
  after?: string
  /** One line: what changed, with its place. */
  message: string
  location: FileLocation
}

/** Counts of a review, made once when the report is built. */
export interface ReviewCounts {
  /** Expectation changes by kind. */
  added: number
  removed: number
  changed: number
  /** Head findings by review state. */
  introduced: number
  unchanged: number
  escalated: number
  /** Findings the base had that the head no longer has. */
  resolved: number
  /** Introduced or escalated findings that fail the run: the ones that decide its verdict (with errors). */
  newFailing: number
}

/** Present on the report of `check --base`: what the change does, against the same observation of reality. */
export interface Review {
  /** `--base` as given: a file, or `REV:PATH`. */
  base: string
  /** False when `REV:PATH` does not exist at the revision (the change creates the manifest): the base expected nothing. */
  baseExists: boolean
  counts: ReviewCounts
  /** Expectations added, removed and changed, in the order of the head manifest, then the base's removals. */
  changes: ExpectationChange[]
  /** Findings of the base that the head no longer has, as the base judged them (located in the base). */
  resolved: ReportedFinding[]
}
