import { createTwoFilesPatch } from 'diff'
import { stringify } from 'yaml'

import type { ClusterState, Report } from '../report.js'

/**
 * One unified diff per cluster, from the observed state to the expected one, both as
 * canonical YAML: `+` lines must be added to reality, `-` lines removed, as in the text report.
 * Integrations that satisfy the manifest are written the same way on both sides, so every
 * changed line is drift.
 */
export function renderDiff(report: Report): string {
  const patches: string[] = []
  for (const state of report.clusters) {
    const findings = report.findings.filter((f) => f.accountId === state.accountId && f.region === state.region && f.cluster === state.cluster)
    const flagged = new Map(findings.filter((f) => f.database !== undefined).map((f) => [`${f.database}\u0000${f.partner}`, f]))
    const expected = header(state)
    const observed = header(state)
    const want = (expected.databases = {} as Record<string, Record<string, string>>)
    for (const e of state.expected) (want[e.database] ??= {})[e.partner] = e.status.join(' | ')

    if (state.observation === 'observed') {
      const seen = (observed.databases = {} as Record<string, Record<string, string>>)
      for (const i of state.observed) {
        const finding = flagged.get(`${i.database}\u0000${i.partner}`)
        const declared = want[i.database]?.[i.partner]
        let shown: string | undefined
        if (!finding) shown = declared // in sync, or an extra integration the policy ignores (then undefined: left out)
        else if (finding.kind === 'stale') shown = `${i.status} (stale: updated ${i.updatedAt ?? i.createdAt ?? 'never'})`
        else shown = i.statusMessage ? `${i.status} (${i.statusMessage})` : i.status
        if (shown !== undefined) (seen[i.database] ??= {})[i.partner] = shown
      }
    } else {
      observed.state = state.observation === 'not-found' ? `not found: ${state.note}` : `not observed: ${state.note}`
    }
    const name = `${state.accountId}/${state.region}/${state.cluster}`
    const patch = createTwoFilesPatch(`observed/${name}`, `expected/${name}`, canonical(observed), canonical(expected), undefined, undefined, { context: 3 })
    if (patch.split('\n').some((line) => line.startsWith('@@'))) patches.push(patch.replace(/^=+\n/, ''))
  }
  return patches.length ? patches.join('') : '# no drift: observed state matches the manifest\n'
}

function header(state: ClusterState): Record<string, unknown> {
  return { cluster: state.cluster, accountId: state.accountId, region: state.region }
}

function canonical(value: Record<string, unknown>): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0 })
}
