import { diff } from '../../vendor/diff.js'
import { yaml } from '../../vendor/yaml.js'

import { clusterKey } from '../../model/cluster.js'
import { FINDING_KIND_INFO, unhandledKind } from '../../model/finding-kinds.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { ObservedIntegration } from '../../model/observation.js'
import type { ClusterState, Report } from '../../model/report.js'
import { escapeControl as inert } from '../../untrusted-text.js'
import { describeLastChange, describeWouldBeSuppressed, groupByCluster, subjectOf } from './finding-text.js'

/** Partner -> what is shown for it; several values when a source listed the same integration more than once. */
type Partners = Map<string, string | string[]>
/** Database -> its partners. Maps, because the keys are names from the manifest and the API (`__proto__` included). */
type Databases = Map<string, Partners>

export interface ClusterDocument {
  cluster: string
  accountId: string
  region: string
  state?: string
  databases?: Databases
}

/** Findings about a cluster's integrations; exception findings have a section of their own in other formats. */
const isAboutIntegrations = (f: ReportedFinding): boolean => FINDING_KIND_INFO[f.kind].group === 'integration'

/**
 * One unified diff per cluster with findings, from the observed state to the expected one, both as
 * canonical YAML: `+` lines must be added to reality, `-` lines removed, as in the text report.
 * The expected side is the observed side with each finding's change applied, so the diff shows
 * exactly what the report decided (policy, `off` kinds, exceptions, baseline) and never judges the
 * cluster state again: drift without a finding is not drift. Excepted and known findings are
 * accepted, so they are left out, and a comment at the top says how many.
 */
export function renderDiff(report: Report): string {
  const patches: string[] = []
  const canonical = canonicalWriter()
  let accepted = 0
  // Grouped once: filtering every finding for every cluster costs clusters x findings.
  const byCluster = groupByCluster(report.findings.filter(isAboutIntegrations))
  for (const state of report.clusters) {
    const name = clusterKey(state)
    const about = byCluster.get(name) ?? []
    const findings = about.filter((f) => !f.suppressed)
    accepted += about.length - findings.length
    if (findings.length === 0) continue

    const observed = observedSide(state, findings)
    const expected = expectedSide(state, observed, findings)
    const file = inert(name)
    const patch = diff().createTwoFilesPatch(`observed/${file}`, `expected/${file}`, canonical(observed), canonical(expected), undefined, undefined, { context: 3 })
    if (patch.split('\n').some((line) => line.startsWith('@@'))) patches.push(notesOf(findings) + patch.replace(/^=+\n/, ''))
  }
  const note = accepted ? `${accepted} excepted or known finding${accepted === 1 ? ' is' : 's are'} accepted and not shown` : ''
  // A leading `#` line is ignored by patch tools, like the header lines git writes.
  if (patches.length) return (note ? `# ${note}\n` : '') + patches.join('')
  return note ? `# no drift to fix: ${note}\n` : '# no drift: observed state matches the manifest\n'
}

/**
 * Who last changed each integration (`--attribute`) and what an audit did not let accept, as `#`
 * lines before the cluster's patch: patch tools skip text before a file's `---` header.
 */
function notesOf(findings: readonly ReportedFinding[]): string {
  return findings
    .flatMap((f) => {
      const about = `${subjectOf(f) || f.cluster} ${f.kind}`
      return [
        ...(f.wouldBeSuppressed ? [`# ${inert(`${about}: ${describeWouldBeSuppressed(f.wouldBeSuppressed)}`)}\n`] : []),
        ...(f.lastChange ? [`# ${inert(`${about}: ${describeLastChange(f.lastChange)}`)}\n`] : []),
      ]
    })
    .join('')
}

const partnerKey = (database: string, partner: string): string => `${database}\u0000${partner}`

/** Every name and value passes through `inert`: a control character must not reach the terminal, and the YAML stays one line per entry. */
function observedSide(state: ClusterState, findings: ReportedFinding[]): ClusterDocument {
  const document: ClusterDocument = header(state)
  if (state.observation !== 'observed') {
    document.state = inert(state.observation === 'not-found' ? `not found: ${state.note ?? ''}` : `not observed: ${state.note ?? ''}`)
    return document
  }
  const stale = new Set(findings.filter((f) => f.kind === 'stale' && f.database !== undefined && f.partner !== undefined).map((f) => partnerKey(f.database!, f.partner!)))
  const databases: Databases = new Map()
  for (const integration of state.observed) {
    const shown = inert(describeObserved(integration, stale.has(partnerKey(integration.database, integration.partner))))
    const partners = partnersOf(databases, inert(integration.database))
    const partner = inert(integration.partner)
    const before = partners.get(partner)
    partners.set(partner, before === undefined ? shown : [...[before].flat(), shown])
  }
  document.databases = databases
  return document
}

function describeObserved(i: ObservedIntegration, stale: boolean): string {
  if (stale) return `${i.status} (stale: updated ${i.updatedAt ?? i.createdAt ?? 'never'})`
  return i.statusMessage ? `${i.status} (${i.statusMessage})` : i.status
}

/** The observed side with what each finding asks for: what reality must become. */
function expectedSide(state: ClusterState, observed: ClusterDocument, findings: ReportedFinding[]): ClusterDocument {
  const document: ClusterDocument = { ...observed, databases: new Map([...(observed.databases ?? [])].map(([database, partners]) => [database, new Map(partners)])) }
  const databases = document.databases!
  const wanted = (f: ReportedFinding): string => inert(f.expected?.status.join(' | ') ?? 'as declared')
  for (const f of findings) {
    const database = f.database === undefined ? undefined : inert(f.database)
    const partner = f.partner === undefined ? undefined : inert(f.partner)
    switch (f.kind) {
      case 'missing':
        // A cluster that does not exist must exist before anything can be integrated on it.
        delete document.state
        if (database !== undefined && partner !== undefined) partnersOf(databases, database).set(partner, wanted(f))
        break
      case 'unhealthy':
      case 'stale':
        if (database !== undefined && partner !== undefined) partnersOf(databases, database).set(partner, wanted(f))
        break
      case 'extra':
      case 'unmanaged':
      case 'forbidden':
        if (database !== undefined && partner !== undefined) {
          databases.get(database)?.delete(partner)
          if (databases.get(database)?.size === 0) databases.delete(database)
        }
        break
      case 'error':
        // Nothing was seen, so what must be seen is everything the manifest declares there.
        delete document.state
        for (const e of state.expected) partnersOf(databases, inert(e.database)).set(inert(e.partner), inert(e.status.join(' | ')))
        break
      case 'expired-exception':
      case 'expiring-exception':
      case 'unused-exception':
      case 'unused-rule':
        // About an entry of the manifest, not about the cluster: never passed in.
        break
      default:
        unhandledKind(f.kind)
    }
  }
  return document
}

function partnersOf(databases: Databases, database: string): Partners {
  let partners = databases.get(database)
  if (!partners) databases.set(database, (partners = new Map()))
  return partners
}

function header(state: ClusterState): ClusterDocument {
  return { cluster: inert(state.cluster), accountId: inert(state.accountId), region: inert(state.region) }
}

const CANONICAL = { sortMapEntries: true, lineWidth: 0 } as const

/**
 * The document as `yaml.stringify(document, CANONICAL)` writes it, without a YAML tree for each
 * cluster: that was two thirds of the report's time (about 80 us a document). Each entry is still
 * written by the yaml library, once for each distinct entry of the report (statuses, partner and
 * database names repeat), and the entries are put together in its order and indentation. A
 * database name it writes as an explicit `? ` key (past 1024 characters) sends the whole document
 * back to the library. A fuzz test holds the two equal.
 */
export function canonicalWriter(): (document: ClusterDocument) => string {
  /**
   * Entries as the library writes them, by key and value: a document's own entries at the top,
   * and the others inside a map (`...` or `---` is quoted only at the start of a line). Keys and
   * values are untrusted, so the key holds both with a separator they never hold (`inert` escapes U+0000).
   */
  const written = new Map<string, string>()
  const entry = (key: string, value: string, nested: boolean): string => {
    const id = `${nested ? 'n' : 't'}${key}\u0000${value}`
    let text = written.get(id)
    if (text === undefined) written.set(id, (text = nested ? nestedEntry(key, value) : yaml().stringify(new Map([[key, value]]), CANONICAL)))
    return text
  }
  /** `key:` (indented 2) as the library writes a key with a block below it; undefined for an explicit `? ` key. */
  const keyLine = (key: string): string | undefined => {
    const text = entry(key, 'x', true)
    return text.endsWith(': x\n') && isOneLine(text) ? `${text.slice(0, -4)}:\n` : undefined
  }

  return (document) => {
    let out = entry('accountId', document.accountId, false) + entry('cluster', document.cluster, false)
    if (document.databases) {
      if (document.databases.size === 0) {
        out += 'databases: {}\n'
      } else {
        out += 'databases:\n'
        for (const database of sortedKeys(document.databases)) {
          const partners = document.databases.get(database)!
          const line = keyLine(database)
          if (line === undefined || partners.size === 0) return yaml().stringify(document, CANONICAL)
          out += line
          for (const partner of sortedKeys(partners)) {
            const value = partners.get(partner)!
            // Several values (a source listed the same integration twice) are a rare block sequence, not remembered.
            const text = typeof value === 'string' ? entry(partner, value, true) : nestedEntry(partner, value)
            // Inside a map, what the library writes depends on nothing but the indentation (an explicit `? ` key included).
            out += isOneLine(text) ? `  ${text}` : text.replace(/^(?=.)/gm, '  ')
          }
        }
      }
    }
    out += entry('region', document.region, false)
    if (document.state !== undefined) out += entry('state', document.state, false)
    return out
  }
}

/** An entry as the library writes it inside a map: indented 2. */
function nestedEntry(key: string, value: string | string[]): string {
  return yaml()
    .stringify(new Map([['k', new Map([[key, value]])]]), CANONICAL)
    .slice('k:\n'.length)
}

const isOneLine = (text: string): boolean => text.indexOf('\n') === text.length - 1

/** Keys in the library's order for sortMapEntries: by `<` on the keys. */
function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
