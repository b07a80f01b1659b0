import type { Report } from '../../model/report.js'
import { renderDiff } from './diff.js'
import { renderGithubAnnotations } from './github.js'
import { renderJson } from './json.js'
import { renderJunit } from './junit.js'
import { renderMarkdown } from './markdown.js'
import { renderSarif } from './sarif.js'
import { renderText } from './text.js'

export const REPORT_FORMATS = ['text', 'json', 'diff', 'sarif', 'junit', 'markdown', 'github'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** Every format is a pure function of the report; only text takes presentation options. */
export function renderReport(format: ReportFormat, report: Report, options: { color?: boolean; explain?: boolean } = {}): string {
  switch (format) {
    case 'text':
      return renderText(report, { color: options.color ?? false, explain: options.explain })
    case 'json':
      return renderJson(report)
    case 'diff':
      return renderDiff(report)
    case 'sarif':
      return renderSarif(report)
    case 'junit':
      return renderJunit(report)
    case 'markdown':
      return renderMarkdown(report)
    case 'github':
      return renderGithubAnnotations(report)
  }
}
