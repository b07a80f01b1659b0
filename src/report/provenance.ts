import type { ReportProvenance } from '../model/report.js'
import { VERSION } from '../version.js'

/**
 * Which partner-drift wrote a report, and when. The time is SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention: whole seconds since the epoch), so a pipeline or a test can
 * make byte-for-byte identical reports; otherwise now.
 */
export function reportProvenance(env: NodeJS.ProcessEnv = process.env, now: number = Date.now()): ReportProvenance {
  const epoch = env.SOURCE_DATE_EPOCH?.trim()
  const at = epoch !== undefined && /^\d{1,12}$/.test(epoch) ? Number(epoch) * 1000 : now
  return { tool: { name: 'partner-drift', version: VERSION }, generatedAt: new Date(at).toISOString() }
}
