import { clusterKey } from '../../model/cluster.js'
import type { FindingKind } from '../../model/finding-kinds.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import { escapeControl } from '../../untrusted-text.js'
import { describeLastChange, describeSuppression, describeWouldBeSuppressed, manifestLocationOf, subjectOf } from './finding-text.js'
import { code } from './markdown.js'

/** GitHub shows at most this many annotations of each level (error, warning, notice) per step... */
export const ANNOTATIONS_PER_LEVEL = 10
/** ...and this many per job; the rest are dropped without a word (actions/toolkit `docs/problem-matchers.md`). */
export const ANNOTATIONS_PER_JOB = 50

type Level = 'error' | 'warning' | 'notice'
const LEVELS: readonly Level[] = ['error', 'warning', 'notice']

/**
 * Which findings are most worth a reader's attention when not all can be shown: a cluster that
 * could not be observed first (the gate did not look), then what is there but must not be, what
 * should be there and is not, and so on down to notes about the manifest itself.
 */
const KIND_PRIORITY: readonly FindingKind[] = ['error', 'forbidden', 'missing', 'unhealthy', 'unmanaged', 'extra', 'stale', 'expired-exception', 'expiring-exception', 'unused-exception', 'unused-rule']

export interface AnnotationOptions {
  /** A report file that holds every finding (as the command line named it), for the note on those not annotated. */
  fullReport?: string
  /** Whether the text report is in the same step's log (the annotations follow it there). */
  textReportInLog?: boolean
}

/** The findings that get an annotation and those left out, as `renderGithubAnnotations` chooses them. */
export interface AnnotationPlan {
  annotated: ReportedFinding[]
  leftOut: ReportedFinding[]
  /** The level of the one annotation that counts the rest, when there is a rest. */
  overflowLevel?: Level
}

/**
 * GitHub Actions workflow commands, one per finding, so that each finding is shown on its line
 * of the manifest in the pull request: `::error` for failing findings, `::warning` for warnings,
 * `::notice` for findings an exception or the baseline keeps from failing.
 *
 * GitHub silently drops annotations beyond its per-step limits, so beyond them the most severe
 * findings of each level are annotated and one more annotation says how many are not and where
 * they all are; every finding is still in the other reports.
 */
export function renderGithubAnnotations(report: Report, options: AnnotationOptions = {}): string {
  const plan = planAnnotations(report)
  const lines = plan.annotated.map((f) => annotation(f, report))
  if (plan.overflowLevel) lines.push(overflowAnnotation(plan, report, options))
  return lines.join('')
}

/**
 * At most `ANNOTATIONS_PER_LEVEL` per level, the note on the rest included (it takes a place at
 * the level of the most severe finding it stands for, so it is shown too); at most 30 in all,
 * within the job's 50. Within the limits, every finding in the report's order; beyond them, the
 * chosen ones level by level, most severe first (the report's order among equals).
 */
export function planAnnotations(report: Report): AnnotationPlan {
  const byLevel = new Map<Level, ReportedFinding[]>(LEVELS.map((level) => [level, []]))
  for (const finding of report.findings) byLevel.get(levelOf(finding))!.push(finding)
  // The note takes a place at the most severe level that overflows: the level of the most severe finding it counts.
  const overflowLevel = LEVELS.find((level) => byLevel.get(level)!.length > ANNOTATIONS_PER_LEVEL)
  if (!overflowLevel) return { annotated: report.findings, leftOut: [] }
  const annotated: ReportedFinding[] = []
  const leftOut: ReportedFinding[] = []
  for (const level of LEVELS) {
    const room = ANNOTATIONS_PER_LEVEL - (level === overflowLevel ? 1 : 0)
    const ranked = [...byLevel.get(level)!].sort(bySeverity)
    annotated.push(...ranked.slice(0, room))
    leftOut.push(...ranked.slice(room))
  }
  return { annotated, leftOut, overflowLevel }
}

/**
 * One line for the job summary when annotations were left out (empty when none were): how many,
 * and where to find them.
 */
export function annotationOverflowSummary(report: Report, options: AnnotationOptions = {}): string {
  const plan = planAnnotations(report)
  if (!plan.overflowLevel) return ''
  const where = options.fullReport ? `every finding is in ${code(options.fullReport, { inTable: false })}` : whereAll({ ...options, fullReport: undefined })
  return `\n> [!NOTE]\n> ${plan.leftOut.length} of ${report.findings.length} findings are not annotated (GitHub shows at most ${ANNOTATIONS_PER_LEVEL} annotations of each level per step); ${where}.\n`
}

function levelOf(finding: ReportedFinding): Level {
  return finding.suppressed ? 'notice' : finding.severity === 'warn' ? 'warning' : 'error'
}

function bySeverity(a: ReportedFinding, b: ReportedFinding): number {
  return KIND_PRIORITY.indexOf(a.kind) - KIND_PRIORITY.indexOf(b.kind)
}

function whereAll(options: AnnotationOptions): string {
  if (options.fullReport) return `every finding is in ${escapeControl(options.fullReport)}`
  if (options.textReportInLog) return 'every finding is in the text report above, in this step\'s log'
  return 'write every finding to a file with --output json=FILE'
}

function overflowAnnotation(plan: AnnotationPlan, report: Report, options: AnnotationOptions): string {
  const counts = LEVELS.map((level) => [level, plan.leftOut.filter((f) => levelOf(f) === level).length] as const).filter(([, n]) => n > 0)
  const described = counts.map(([level, n]) => `${n} ${level === 'error' ? 'failing' : level === 'warning' ? 'warning' : 'accepted'}`).join(', ')
  const title = `partner-drift: ${plan.leftOut.length} more findings not annotated`
  const message = `${plan.leftOut.length} more findings (${described}) are not annotated: GitHub shows at most ${ANNOTATIONS_PER_LEVEL} annotations of each level per step, so the most severe are shown. ${whereAll(options)[0]!.toUpperCase()}${whereAll(options).slice(1)}.`
  const properties = [`file=${escapeProperty(escapeControl(report.manifest.replace(/\\/g, '/')))}`, 'line=1', 'col=1', `title=${escapeProperty(title)}`].join(',')
  return `::${plan.overflowLevel} ${properties}::${escapeData(message)}\n`
}

function annotation(finding: ReportedFinding, report: Report): string {
  const suppression = finding.suppressed
  const command = levelOf(finding)
  const location = manifestLocationOf(finding, report)
  const subject = subjectOf(finding)
  const title = `partner-drift ${finding.kind}: ${clusterKey(finding)}${subject ? `/${subject}` : ''}`
  const properties = [
    `file=${escapeProperty(escapeControl(location.file.replace(/\\/g, '/')))}`,
    `line=${location.line}`,
    `col=${location.column}`,
    `title=${escapeProperty(escapeControl(title))}`,
  ].join(',')
  const lines = [suppression ? `${describeSuppression(suppression)} — ${finding.message}` : finding.message]
  if (finding.wouldBeSuppressed) lines.push(describeWouldBeSuppressed(finding.wouldBeSuppressed))
  if (finding.lastChange) lines.push(capitalize(describeLastChange(finding.lastChange)))
  if (finding.remediation) lines.push(`Fix: ${finding.remediation.summary}`, ...(finding.remediation.commands ?? []))
  // Two layers. The runner's encoding covers only `%`, CR and LF: an ESC or a bidi override would
  // still reach the log raw, and an encoded newline from a status message would come back as a
  // line of the annotation the reader cannot tell from ours. So each part is made inert first,
  // then joined by the line breaks this renderer means, then encoded for the runner.
  return `::${command} ${properties}::${escapeData(lines.map(escapeControl).join('\n'))}\n`
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** The runner's rules for a command's message (actions/toolkit `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** A property value additionally must not end at `:` or `,` (actions/toolkit `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}
