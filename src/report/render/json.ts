import type { Report } from '../report.js'

/** The stable machine-readable report, documented by `schemas/report.schema.json`. */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n'
}
