import { jsonWithoutRawControl } from '../../untrusted-text.js'
import type { Report } from '../../model/report.js'

/** The stable machine-readable report, documented by `schemas/report.schema.json`. Values stay exact; only their encoding avoids raw control characters. */
export function renderJson(report: Report): string {
  return jsonWithoutRawControl(JSON.stringify(report, null, 2)) + '\n'
}
