import type { Diagnostic } from '../input/diagnostics.js'
import { readDocument } from '../input/document.js'

/**
 * The fingerprints of a previous JSON report (`check --format json`), so that a run fails only
 * on what is new. Only the `findings[].fingerprint` fields are read: reports of any later
 * version-1 shape still work as baselines.
 */
export async function loadBaseline(file: string): Promise<{ fingerprints: Set<string>; diagnostics: Diagnostic[] }> {
  const doc = await readDocument(file)
  if (doc.diagnostics.length > 0) return { fingerprints: new Set(), diagnostics: doc.diagnostics }
  const report = doc.value as { version?: unknown; findings?: unknown }
  const problem = (path: Array<string | number>, message: string): Diagnostic => ({
    severity: 'error',
    code: 'baseline',
    file,
    ...doc.locate(path),
    path: path.join('.'),
    message,
    hint: 'give a report written by partner-drift check --format json (or --output json=FILE)',
  })
  if (typeof report !== 'object' || report === null || report.version !== 1 || !Array.isArray(report.findings)) {
    return { fingerprints: new Set(), diagnostics: [problem([], 'not a partner-drift JSON report (version 1 with a findings list)')] }
  }
  const fingerprints = new Set<string>()
  const diagnostics: Diagnostic[] = []
  report.findings.forEach((finding, i) => {
    const fingerprint = (finding as { fingerprint?: unknown })?.fingerprint
    if (typeof fingerprint === 'string' && /^[0-9a-f]{32}$/.test(fingerprint)) fingerprints.add(fingerprint)
    else diagnostics.push(problem(['findings', i], 'finding has no fingerprint'))
  })
  return { fingerprints, diagnostics }
}
