/**
 * `partner-drift merge`: shard reports back into the report one run would have given. Pure.
 *
 * It fails closed: a shard missing, given twice, of another manifest, shard count or version, or a
 * file that is no shard report makes it refuse, naming what is wrong; a matrix job that crashed
 * must never become a green gate.
 *
 * Policy, exceptions and the baseline are applied in each shard, where each finding is made;
 * they judge one finding at a time, so a shard judges its findings as the whole run would. Two
 * findings are about the whole check, not one shard: an exception or a rule is unused only if it is
 * unused in every shard, so those warnings are kept only when all N shards report them. Findings
 * every shard makes alike (an expired exception, an organization that could not be listed) are
 * kept once.
 */
import { compareFindings, type ReportedFinding } from '../model/finding.js'
import { compareText } from '../model/compare-text.js'
import type { ObserveStats } from '../model/observation.js'
import type { Coverage, Report } from '../model/report.js'
import { compareClusterStates, exitCodeFor, outcomeOf, summaryOf } from '../report/report.js'

export type MergeResult = { report: Report } | { problems: string[] }

export function mergeReports(inputs: ReadonlyArray<{ file: string; report: Report }>): MergeResult {
  const problems: string[] = []
  const shards = inputs.filter(({ file, report }) => {
    if (report.shard) return true
    problems.push(`${file} is not a shard report (it has no "shard"; write shard reports with check --shard I/N --format json)`)
    return false
  })
  if (shards.length === 0) return { problems: problems.length ? problems : ['no shard report given'] }
  const first = shards[0]!.report.shard!
  for (const { file, report } of shards) {
    const s = report.shard!
    if (s.count !== first.count) problems.push(`${file} is shard ${s.index}/${s.count}, but ${shards[0]!.file} is of ${first.count} shards`)
    if (s.manifestDigest !== first.manifestDigest) problems.push(`${file} checked another manifest than ${shards[0]!.file} (digest ${s.manifestDigest.slice(0, 12)} vs ${first.manifestDigest.slice(0, 12)})`)
    if (s.version !== first.version) problems.push(`${file} was written by partner-drift ${s.version}, ${shards[0]!.file} by ${first.version}`)
  }
  const byIndex = new Map<number, string>()
  for (const { file, report } of shards) {
    const seen = byIndex.get(report.shard!.index)
    if (seen) problems.push(`shard ${report.shard!.index}/${first.count} is given twice: ${seen} and ${file}`)
    else byIndex.set(report.shard!.index, file)
  }
  const missing = Array.from({ length: first.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i))
  if (missing.length) problems.push(`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${first.count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: the merged report would not cover the whole check`)
  if (problems.length) return { problems }

  const reports = shards.map((s) => s.report)
  const findings = mergeFindings(reports, first.count)
  const drift = {
    clusters: sum(reports, (r) => r.summary.clusters),
    expected: sum(reports, (r) => r.summary.expected),
    observed: sum(reports, (r) => r.summary.observed),
    inSync: sum(reports, (r) => r.summary.inSync),
  }
  const summary = summaryOf(findings, drift)
  const outcome = outcomeOf(summary)
  const coverage = mergeCoverage(reports)
  const stats = mergeStats(reports)
  const { shard: _, ...base } = reports[0]!
  return {
    report: {
      ...base,
      outcome,
      exitCode: exitCodeFor(outcome),
      summary,
      findings,
      clusters: reports.flatMap((r) => r.clusters).sort(compareClusterStates),
      ...(coverage ? { coverage } : {}),
      ...(stats ? { stats } : {}),
    },
  }
}

/** Kinds about the whole check: reported by a shard when nothing in that shard used the entry. */
const WHOLE_CHECK_KINDS = new Set(['unused-exception', 'unused-rule'])

function mergeFindings(reports: readonly Report[], count: number): ReportedFinding[] {
  const byFingerprint = new Map<string, { finding: ReportedFinding; shards: number }>()
  for (const report of reports) {
    for (const finding of report.findings) {
      const seen = byFingerprint.get(finding.fingerprint)
      if (seen) seen.shards++
      else byFingerprint.set(finding.fingerprint, { finding, shards: 1 })
    }
  }
  return [...byFingerprint.values()]
    .filter(({ finding, shards }) => !WHOLE_CHECK_KINDS.has(finding.kind) || shards === count)
    .map(({ finding }) => finding)
    .sort(compareFindings)
}

function mergeCoverage(reports: readonly Report[]): Coverage | undefined {
  const parts = reports.map((r) => r.coverage).filter((c): c is Coverage => c !== undefined)
  if (parts.length === 0) return undefined
  const scopes = parts.flatMap((c) => c.scopes).sort((a, b) => compareText(`${a.accountId}/${a.region}`, `${b.accountId}/${b.region}`))
  return {
    clusters: sum(parts, (c) => c.clusters),
    byRules: sum(parts, (c) => c.byRules),
    byEntries: sum(parts, (c) => c.byEntries),
    unmanaged: sum(parts, (c) => c.unmanaged),
    unmanagedWithIntegrations: sum(parts, (c) => c.unmanagedWithIntegrations),
    scopes,
  }
}

/** Calls add up; the merged run took as long as its slowest shard. */
function mergeStats(reports: readonly Report[]): ObserveStats | undefined {
  const parts = reports.map((r) => r.stats).filter((s): s is ObserveStats => s !== undefined)
  if (parts.length === 0) return undefined
  const optional = (key: 'apiCalls' | 'retries' | 'throttled') => (parts.some((p) => p[key] !== undefined) ? { [key]: sum(parts, (p) => p[key] ?? 0) } : {})
  // Each (account, region) is one shard's, so the learned rates of the shards never overlap.
  const rates = parts.flatMap((p) => p.rates ?? []).sort((a, b) => compareText(`${a.accountId}/${a.region}`, `${b.accountId}/${b.region}`))
  return {
    source: parts[0]!.source,
    clusters: sum(parts, (p) => p.clusters),
    ...optional('apiCalls'),
    ...optional('retries'),
    ...optional('throttled'),
    ...(rates.length ? { rates } : {}),
    elapsedMs: Math.max(...parts.map((p) => p.elapsedMs)),
  }
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((n, item) => n + value(item), 0)
}
