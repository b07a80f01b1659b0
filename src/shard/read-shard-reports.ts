import type { Diagnostic } from '../input/diagnostics.js'
import { readDocument } from '../input/document.js'
import { checkAgainstSchema } from '../input/schema-check.js'
import type { Report } from '../model/report.js'
import { loadSchema } from '../schemas.js'

/** Shard reports are files from CI artifacts: read through the bounded reader and checked against the report schema, every problem located. */
export async function readShardReports(files: readonly string[]): Promise<{ reports: Array<{ file: string; report: Report }>; diagnostics: Diagnostic[] }> {
  const docs = await Promise.all(files.map((file) => readDocument(file)))
  const diagnostics: Diagnostic[] = []
  const reports: Array<{ file: string; report: Report }> = []
  for (const [i, doc] of docs.entries()) {
    const problems = doc.diagnostics.length ? doc.diagnostics : checkAgainstSchema(doc, loadSchema('report'))
    if (problems.length) diagnostics.push(...problems)
    else reports.push({ file: files[i]!, report: doc.value as Report })
  }
  return { reports, diagnostics }
}
