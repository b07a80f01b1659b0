/**
 * The three renderers of a Report: text (terraform plan-like), JSON (validated against the
 * shipped schema) and unified diff (parsed back with the `diff` package).
 */
import { parsePatch } from 'diff'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterObservation, ObservedIntegration } from '../src/contract.js'
import { clusterKey } from '../src/model/cluster.js'
import { renderDiff } from '../src/report/render/diff.js'
import { renderJson } from '../src/report/render/json.js'
import { renderText } from '../src/report/render/text.js'
import { buildReport } from '../src/check.js'
import type { Report } from '../src/model/report.js'
import { ANSI, desiredFrom, reportSchemaErrors, yamlLines } from './helpers/cli.js'

const ACCOUNT = '123456789012'
const OTHER_ACCOUNT = '210987654321'
const OBSERVED_AT = '2026-11-24T10:00:00Z'

/** prod drifts in every way, calm is in sync, gone does not exist, locked cannot be observed. */
const MANIFEST = yamlLines(
  'version: 1',
  'defaults:',
  `  accountId: "${ACCOUNT}"`,
  '  region: eu-west-1',
  '  absent: [Segment]', // 5
  'clusters:',
  '  - cluster: prod', // 7
  '    databases:',
  '      - database: dev', // 9
  '        partners:',
  '          - partner: Fivetran', // 11
  '          - partner: Stitch', // 12
  '            maxStatusAge: 7d',
  '          - partner: Etleap', // 14
  '          - partner: Datacoral', // 15
  '      - database: sales', // 16
  '        extra: warn',
  '        partners: []',
  '  - cluster: calm', // 19
  '    databases:',
  '      - database: dev',
  '        partners:',
  '          - partner: Fivetran', // 23
  '  - cluster: gone', // 24
  '    region: us-east-1',
  '    databases:',
  '      - database: bi',
  '        partners:',
  '          - partner: Matillion', // 29
  '  - cluster: locked', // 30
  `    accountId: "${OTHER_ACCOUNT}"`,
)

const active = (database: string, partner: string, more: Partial<ObservedIntegration> = {}): ObservedIntegration => ({ database, partner, status: 'Active', ...more })

function observations(): Map<string, ClusterObservation> {
  const key = (cluster: string, region = 'eu-west-1', accountId = ACCOUNT): string => clusterKey({ accountId, region, cluster })
  return new Map<string, ClusterObservation>([
    [
      key('prod'),
      {
        kind: 'observed',
        observedAt: OBSERVED_AT,
        integrations: [
          { database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure', statusMessage: 'Sync failed', updatedAt: '2026-11-24T06:00:00Z' },
          active('dev', 'Stitch', { updatedAt: '2026-10-01T00:00:00Z' }),
          active('dev', 'Datacoral'),
          active('dev', 'Segment'),
          active('dev', 'Airbyte'),
          active('sales', 'Sisense'),
        ],
      },
    ],
    [key('calm'), { kind: 'observed', observedAt: OBSERVED_AT, integrations: [active('dev', 'Fivetran')] }],
    [key('gone', 'us-east-1'), { kind: 'not-found', observedAt: OBSERVED_AT, message: 'Cluster gone not found.' }],
    [key('locked', 'eu-west-1', OTHER_ACCOUNT), { kind: 'error', code: 'AccessDenied', message: 'not authorized', requestId: 'req-42', hint: 'grant redshift:DescribePartners' }],
  ])
}

const ALL_KINDS: Report = buildReport(desiredFrom(MANIFEST), observations(), { source: 'snapshot:test.json' })
const IN_SYNC: Report = buildReport(
  desiredFrom(yamlLines('version: 1', `defaults: {accountId: "${ACCOUNT}", region: eu-west-1}`, 'clusters:', '  - cluster: calm', '    databases:', '      - database: dev', '        partners: [{partner: Fivetran}]')),
  observations(),
  { source: 'snapshot:test.json' },
)

interface TextFinding {
  cluster: string
  database: string
  symbol: string
  partner: string
  kind: string
  tags: string
  message: string
  location: string
}

/** Reads the plan back: cluster and database headers, and the finding lines under them. */
function parseText(text: string): TextFinding[] {
  const findings: TextFinding[] = []
  let cluster = ''
  let database = ''
  for (const line of text.split('\n')) {
    const header = /^ {2}cluster (\S+) \(account \d{12}, [a-z0-9-]+\)$/.exec(line)
    if (header) [cluster, database] = [header[1], '']
    const db = /^ {4}database (\S+)$/.exec(line)
    if (db) database = db[1]
    const f = /^ {4,6}([+~!-]) (?:(\S+) )?(missing|extra|forbidden|unhealthy|stale|error)(?: \(([^)]*)\))?: (.*?)(?: {2}\[(\S+)\])?$/.exec(line)
    if (f) findings.push({ cluster, database, symbol: f[1], partner: f[2] ?? '', kind: f[3], tags: f[4] ?? '', message: f[5], location: f[6] ?? '' })
  }
  return findings
}

const text = suite('reports :: text')

text('one line per finding, grouped by cluster then database, with symbol and manifest location', () => {
  const out = renderText(ALL_KINDS, { color: false })
  assert.equal(
    parseText(out).map((f) => [f.cluster, f.database, f.symbol, f.partner, f.kind, f.tags, f.location]),
    [
      ['prod', 'dev', '-', 'Airbyte', 'extra', '', 'm.yaml:9:9'],
      ['prod', 'dev', '+', 'Etleap', 'missing', '', 'm.yaml:14:13'],
      ['prod', 'dev', '~', 'Fivetran', 'unhealthy', '', 'm.yaml:11:13'],
      ['prod', 'dev', '-', 'Segment', 'forbidden', '', 'm.yaml:5:12'],
      ['prod', 'dev', '~', 'Stitch', 'stale', '', 'm.yaml:12:13'],
      ['prod', 'sales', '-', 'Sisense', 'extra', 'warning', 'm.yaml:16:9'],
      ['gone', 'bi', '+', 'Matillion', 'missing', '', 'm.yaml:29:13'],
      ['locked', '', '!', '', 'error', '', 'm.yaml:30:5'],
    ],
  )
  assert.not.match(out, /cluster calm/, 'a cluster in sync has no section')
})

text('lines say what was expected and observed: status message, age, cause', () => {
  const byPartner = new Map(parseText(renderText(ALL_KINDS, { color: false })).map((f) => [`${f.cluster}/${f.partner}/${f.kind}`, f.message]))
  assert.match(byPartner.get('prod/Fivetran/unhealthy') ?? '', /RuntimeFailure.*expected Active.*Sync failed/)
  assert.match(byPartner.get('prod/Stitch/stale') ?? '', /2026-10-01T00:00:00Z.*7d/)
  assert.match(byPartner.get('gone/Matillion/missing') ?? '', /cluster not found/)
  assert.match(byPartner.get('locked//error') ?? '', /AccessDenied.*req-42/)
  assert.match(renderText(ALL_KINDS, { color: false }), /^ {8}hint: grant redshift:DescribePartners$/m)
})

text('summary line counts every kind, the warning, the clusters and what is in sync', () => {
  const out = renderText(ALL_KINDS, { color: false })
  const summary = /^Summary: (\d+) missing, (\d+) extra, (\d+) forbidden, (\d+) unhealthy, (\d+) stale, (\d+) errors? \((\d+) warnings?\); (\d+) clusters checked, (\d+) of (\d+) expected integrations in sync\.$/m.exec(out)
  assert.ok(summary, out)
  assert.equal(summary.slice(1).map(Number), [2, 2, 1, 1, 1, 1, 1, 4, 2, 6])
  const s = ALL_KINDS.summary
  assert.equal(summary.slice(1).map(Number), [s.missing, s.extra, s.forbidden, s.unhealthy, s.stale, s.errors, s.warnings, s.clusters, s.inSync, s.expected])
  assert.match(out, /^Outcome: incomplete.*\(exit 1\)$/m)
})

text('in sync: says so, no finding lines, exit 0', () => {
  const out = renderText(IN_SYNC, { color: false })
  assert.equal(parseText(out), [])
  assert.match(out, /No drift/)
  assert.match(out, /^Summary: 0 missing, 0 extra, 0 forbidden, 0 unhealthy, 0 stale, 0 errors; 1 cluster checked, 1 of 1 expected integrations in sync\.$/m)
  assert.match(out, /^Outcome: in sync \(exit 0\)$/m)
})

text('colour: no ANSI codes with color false; with color true the same text, painted', () => {
  const plain = renderText(ALL_KINDS, { color: false })
  const painted = renderText(ALL_KINDS, { color: true })
  assert.not.match(plain, ANSI)
  assert.match(painted, ANSI)
  assert.is(painted.replace(new RegExp(ANSI.source, 'g'), ''), plain)
})

text.run()

const json = suite('reports :: json')

json('a report with every kind validates against schemas/report.schema.json', () => {
  const parsed = JSON.parse(renderJson(ALL_KINDS))
  assert.equal(reportSchemaErrors(parsed), [])
  assert.is(parsed.version, 1)
  assert.is(parsed.outcome, 'incomplete')
  assert.equal(new Set(parsed.findings.map((f: { kind: string }) => f.kind)), new Set(['missing', 'extra', 'forbidden', 'unhealthy', 'stale', 'error']))
  assert.equal(parsed.summary.missing, 2)
  const unhealthy = parsed.findings.find((f: { kind: string }) => f.kind === 'unhealthy')
  assert.equal(unhealthy.observed, { status: 'RuntimeFailure', statusMessage: 'Sync failed', updatedAt: '2026-11-24T06:00:00Z' })
  assert.equal(unhealthy.location, { file: 'm.yaml', line: 11, column: 13 })
  const error = parsed.findings.find((f: { kind: string }) => f.kind === 'error')
  assert.equal(error.cause, { code: 'AccessDenied', requestId: 'req-42', hint: 'grant redshift:DescribePartners' })
})

json('an in-sync report validates too', () => {
  const parsed = JSON.parse(renderJson(IN_SYNC))
  assert.equal(reportSchemaErrors(parsed), [])
  assert.is(parsed.outcome, 'in-sync')
  assert.equal(parsed.findings, [])
})

json('the schema check is not a rubber stamp: a wrong kind and a missing summary are rejected', () => {
  const broken = JSON.parse(renderJson(ALL_KINDS))
  broken.findings[0].kind = 'drifted'
  delete broken.summary
  const errors = reportSchemaErrors(broken)
  assert.ok(errors.some((e) => e.startsWith('/findings/0/kind')), errors.join('\n'))
  assert.ok(errors.some((e) => /summary/.test(e)), errors.join('\n'))
})

json.run()

const diffs = suite('reports :: diff')

/** Per cluster: the lines a reviewer must add to reality (+) and remove from it (-). */
function changes(patchText: string): Map<string, { added: string[]; removed: string[] }> {
  const result = new Map<string, { added: string[]; removed: string[] }>()
  for (const patch of parsePatch(patchText)) {
    if (patch.hunks.length === 0) continue
    const lines = patch.hunks.flatMap((h) => h.lines)
    assert.is(patch.oldFileName?.replace(/^observed\//, ''), patch.newFileName?.replace(/^expected\//, ''))
    result.set(patch.newFileName!.replace(/^expected\//, ''), {
      added: lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)),
      removed: lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)),
    })
  }
  return result
}

diffs('one patch per cluster with drift: + what must be added, - what must be removed', () => {
  const byCluster = changes(renderDiff(ALL_KINDS))
  assert.equal([...byCluster.keys()], [`${ACCOUNT}/eu-west-1/prod`, `${ACCOUNT}/us-east-1/gone`, `${OTHER_ACCOUNT}/eu-west-1/locked`])
  assert.equal(byCluster.get(`${ACCOUNT}/eu-west-1/prod`), {
    added: ['    Etleap: Active', '    Fivetran: Active', '    Stitch: Active'],
    removed: [
      '    Airbyte: Active',
      '    Fivetran: RuntimeFailure (Sync failed)',
      '    Segment: Active',
      '    Stitch: "Active (stale: updated 2026-10-01T00:00:00Z)"',
      '  sales:',
      '    Sisense: Active',
    ],
  })
  assert.equal(byCluster.get(`${ACCOUNT}/us-east-1/gone`), {
    added: ['databases:', '  bi:', '    Matillion: Active'],
    removed: ['state: "not found: Cluster gone not found."'],
  })
  const locked = byCluster.get(`${OTHER_ACCOUNT}/eu-west-1/locked`)
  assert.equal(locked?.removed, ['state: "not observed: locked: AccessDenied: not authorized"'])
})

diffs('a cluster in sync produces no patch; a report in sync produces none at all', () => {
  assert.not.ok(changes(renderDiff(ALL_KINDS)).has(`${ACCOUNT}/eu-west-1/calm`))
  const out = renderDiff(IN_SYNC)
  assert.equal(parsePatch(out).flatMap((p) => p.hunks), [])
  assert.match(out, /^# no drift/)
})

diffs.run()
