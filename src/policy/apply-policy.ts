import type { DesiredState, FindingException, SeverityPolicy } from '../manifest/desired-state.js'
import { clusterKey } from '../model/cluster.js'
import { FINDING_KIND_INFO, isPolicyKind, type PolicyKind } from '../model/finding-kinds.js'
import { compareFindings, type FileLocation, type Finding, fingerprintOf } from '../model/finding.js'

export interface PolicyOptions {
  /** `--fail-on`: these kinds fail, every other policy kind only warns. Overrides the manifest. */
  failOn?: PolicyKind[]
  /** Exceptions from `--exceptions FILE`, in addition to the manifest's. */
  exceptions?: FindingException[]
  /** `--baseline`: fingerprints of findings already known, and where they come from. */
  baseline?: { fingerprints: ReadonlySet<string>; file: string }
  /** `YYYY-MM-DD` (UTC) the run is judged on, for exception expiry. */
  today: string
  /**
   * `check --base`: the findings that already failed under the base manifest, by fingerprint, each
   * where the base has it; `name` is `--base` as given. The change under review did not bring them.
   */
  base?: { failing: ReadonlyMap<string, FileLocation>; name: string }
  /**
   * `--audit`: judge as if there were no exceptions and no baseline. What they would have accepted
   * still fails, and says which exception or baseline would have accepted it (`wouldBeSuppressed`).
   */
  audit?: boolean
}

/** Exceptions that expire within this many days are warned about, so that nobody is surprised by a red gate. */
export const EXPIRY_WARNING_DAYS = 14

/**
 * Turns the diff's findings into the verdict: per-kind severity from the manifest's policy and
 * `--fail-on`, then exceptions, then the baseline, then (in review) the base. Errors (clusters not observed) are never
 * downgraded, excepted or baselined: a gate that could not look must not pass.
 */
export function applyPolicy(findings: readonly Finding[], desired: DesiredState, options: PolicyOptions): Finding[] {
  const policies = new Map(desired.clusters.map((c) => [clusterKey(c), c.policy]))
  const judged: Finding[] = []
  for (const finding of findings) {
    if (!isPolicyKind(finding.kind)) {
      judged.push(finding)
      continue
    }
    const severity = severityFor(finding.kind, policies.get(clusterKey(finding)) ?? {}, options.failOn)
    if (severity === 'off') continue
    judged.push(severity ? { ...finding, severity } : finding)
  }

  const exceptionFindings: Finding[] = []
  for (const exception of [...desired.exceptions, ...(options.exceptions ?? [])]) {
    if (exception.expires && exception.expires < options.today) {
      exceptionFindings.push(exceptionFinding('expired-exception', exception, `exception expired on ${exception.expires}: ${describe(exception)}`))
      continue
    }
    const left = exception.expires ? daysFrom(options.today, exception.expires) : undefined
    if (left !== undefined && left <= EXPIRY_WARNING_DAYS) {
      const when = left === 0 ? 'today' : left === 1 ? 'tomorrow' : `in ${left} days`
      exceptionFindings.push(
        exceptionFinding('expiring-exception', exception, `exception expires ${when} (${exception.expires}), owner ${exception.owner ?? 'not named'}: ${describe(exception)}`),
      )
    }
    let used = false
    for (const [i, finding] of judged.entries()) {
      if (finding.suppressed || !matches(exception, finding)) continue
      used = true
      judged[i] = {
        ...finding,
        suppressed: {
          by: 'exception',
          reason: exception.reason,
          ...(exception.owner ? { owner: exception.owner } : {}),
          ...(exception.expires ? { expires: exception.expires } : {}),
          location: exception.location,
        },
      }
    }
    if (!used) exceptionFindings.push(exceptionFinding('unused-exception', exception, `exception matches no finding; remove it if it is no longer needed: ${describe(exception)}`))
  }

  if (options.baseline) {
    const { fingerprints, file } = options.baseline
    for (const [i, finding] of judged.entries()) {
      if (finding.suppressed || finding.kind === 'error' || !fingerprints.has(finding.fingerprint)) continue
      judged[i] = { ...finding, suppressed: { by: 'baseline', reason: `known in baseline ${file}`, location: { file, line: 1, column: 1 } } }
    }
  }
  // An audit sees everything acceptance hides: the same matching, recorded without the acceptance.
  const verdicts = options.audit ? judged.map(withoutAcceptance) : judged
  // In review, what already failed under the base is known; an audit's findings included, as the base was audited too.
  if (options.base) {
    const { failing, name } = options.base
    for (const [i, finding] of verdicts.entries()) {
      const location = finding.suppressed || finding.kind === 'error' ? undefined : failing.get(finding.fingerprint)
      if (location) verdicts[i] = { ...finding, suppressed: { by: 'base', reason: `failing before this change too (base ${name})`, location } }
    }
  }
  return [...verdicts, ...exceptionFindings].sort(compareFindings)
}

function withoutAcceptance(finding: Finding): Finding {
  if (!finding.suppressed) return finding
  const { suppressed, ...rest } = finding
  return { ...rest, wouldBeSuppressed: suppressed }
}

/** Whole days from `today` to `day`, both `YYYY-MM-DD` (UTC). */
function daysFrom(today: string, day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000)
}

/** undefined: keep the diff's own severity (e.g. `extra: warn`). */
function severityFor(kind: PolicyKind, policy: SeverityPolicy, failOn?: PolicyKind[]): 'fail' | 'warn' | 'off' | undefined {
  if (failOn) return failOn.includes(kind) ? 'fail' : policy[kind] === 'off' ? 'off' : 'warn'
  return policy[kind]
}

function matches(exception: FindingException, finding: Finding): boolean {
  return (
    isPolicyKind(finding.kind) &&
    exception.kinds.includes(finding.kind) &&
    glob(exception.accountId, finding.accountId) &&
    glob(exception.region, finding.region) &&
    glob(exception.cluster, finding.cluster) &&
    glob(exception.database, finding.database ?? '') &&
    glob(exception.partner, finding.partner ?? '')
  )
}

/**
 * `*` any run of characters, `?` one character; everything else literal and case-sensitive.
 * Characters are code points, in pattern and value alike, so `?` matches one emoji, not half of one.
 *
 * Patterns come from pull requests: no regular expression, whose backtracking can take minutes
 * on `*a*a*a*a*c`. This is the greedy matcher that, on a mismatch, goes back only to the last
 * star: at most pattern length x value length steps.
 */
export function glob(pattern: string, value: string): boolean {
  if (pattern === '*') return true
  const p = [...pattern]
  const v = [...value]
  let pi = 0
  let vi = 0
  // The last star seen, and the position in the value it has been extended to.
  let star = -1
  let resume = 0
  while (vi < v.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi++
      resume = vi
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++
      vi++
    } else if (star !== -1) {
      pi = star + 1
      vi = ++resume
    } else {
      return false
    }
  }
  while (pi < p.length && p[pi] === '*') pi++
  return pi === p.length
}

function describe(e: FindingException): string {
  const scope = [e.accountId, e.region, e.cluster, e.database, e.partner].join('/')
  return `${e.kinds.join(',')} on ${scope} ("${e.reason}"${e.owner ? `, owner ${e.owner}` : ''})`
}

function exceptionFinding(kind: 'expired-exception' | 'expiring-exception' | 'unused-exception', e: FindingException, message: string): Finding {
  const place = {
    accountId: e.accountId,
    region: e.region,
    cluster: e.cluster,
    ...(e.database !== '*' ? { database: e.database } : {}),
    ...(e.partner !== '*' ? { partner: e.partner } : {}),
  }
  return { kind, severity: FINDING_KIND_INFO[kind].defaultSeverity, fingerprint: fingerprintOf({ kind, ...place }), ...place, message, location: e.location }
}
