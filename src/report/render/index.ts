import type { Report } from '../../model/report.js'
import { renderCodeQuality } from './codequality.js'
import { renderDiff } from './diff.js'
import { renderGithubAnnotations } from './github.js'
import { renderJsonChunks } from './json.js'
import { renderJunitChunks } from './junit.js'
import { renderMarkdown } from './markdown.js'
import { renderSarif } from './sarif.js'
import { renderTextChunks } from './text.js'

export const REPORT_FORMATS = ['text', 'json', 'diff', 'sarif', 'junit', 'markdown', 'github', 'codequality'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export interface RenderOptions {
  color?: boolean
  explain?: boolean
  /** For github: a report file with every finding, named in the note on findings beyond GitHub's annotation limits. */
  fullReport?: string
  /** For github: the text report is in the same log, before the annotations. */
  textReportInLog?: boolean
}

/** Every format is a pure function of the report (and these options); only text and github take any. */
export function renderReport(format: ReportFormat, report: Report, options: RenderOptions = {}): string {
  return [...renderReportChunks(format, report, options)].join('')
}

/**
 * The text of `renderReport` in pieces, for writing as it is made: the text and JSON reports of a
 * large estate come in pieces of a cluster or a few hundred entries, JUnit per cluster; the other
 * formats, whose size follows the findings rather than the estate, in one.
 */
export function renderReportChunks(format: ReportFormat, report: Report, options: RenderOptions = {}): Iterable<string> {
  switch (format) {
    case 'text':
      return gathered(renderTextChunks(report, { color: options.color ?? false, explain: options.explain }))
    case 'json':
      return gathered(renderJsonChunks(report))
    case 'junit':
      return gathered(renderJunitChunks(report))
    case 'github':
      return [renderGithubAnnotations(report, { ...(options.fullReport === undefined ? {} : { fullReport: options.fullReport }), ...(options.textReportInLog ? { textReportInLog: true } : {}) })]
    default:
      return [renderWhole(format, report)]
  }
}

/** Below this, pieces are joined before they are handed on: each piece written costs a buffer and a system call. */
const MIN_PIECE = 64 * 1024

/**
 * Pieces of at least `MIN_PIECE` characters (the last may be shorter): a report of 10,000 clusters
 * in per-cluster pieces would otherwise be 10,000 writes. Most pieces stay under V8's large-object
 * size (128 kB), so that they die young instead of waiting for a full collection.
 */
function* gathered(pieces: Iterable<string>): Generator<string> {
  let held: string[] = []
  let length = 0
  for (const piece of pieces) {
    held.push(piece)
    length += piece.length
    if (length >= MIN_PIECE) {
      yield held.length === 1 ? held[0] : held.join('')
      held = []
      length = 0
    }
  }
  if (length > 0) yield held.join('')
}

function renderWhole(format: Exclude<ReportFormat, 'text' | 'json' | 'junit' | 'github'>, report: Report): string {
  switch (format) {
    case 'diff':
      return renderDiff(report)
    case 'sarif':
      return renderSarif(report)
    case 'markdown':
      return renderMarkdown(report)
    case 'codequality':
      return renderCodeQuality(report)
  }
}
