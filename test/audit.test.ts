/**
 * Audits of what is accepted: `check --audit` (exceptions and the baseline accept nothing, and
 * say what they would have accepted), exceptions that expire soon (`expiring-exception`), and the
 * manifest's `exceptionRules` (owner, expiry, how far ahead), for the manifest's own exceptions
 * and those of an `--exceptions` file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { buildReport } from '../src/check.js'
import type { ClusterObservation } from '../src/contract.js'
import { parseDocumentText } from '../src/input/document.js'
import { resolveManifest } from '../src/manifest/load-manifest.js'
import type { Report } from '../src/model/report.js'
import { renderReport } from '../src/report/render/index.js'
import { located, reportSchemaErrors, runCli } from './helpers/cli.js'

const TODAY = '2026-11-24'

const MANIFEST = `version: 1
defaults: { accountId: "123456789012", region: eu-west-1, absent: [Segment] }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
`
const INTEGRATIONS = [
  { database: 'dev', partner: 'Fivetran', status: 'Active' },
  { database: 'dev', partner: 'Segment', status: 'Active' },
]
const SNAPSHOT = {
  version: 1,
  capturedAt: '2026-11-24T10:00:00Z',
  clusters: [
    {
      accountId: '123456789012',
      region: 'eu-west-1',
      cluster: 'analytics-prod',
      PartnerIntegrationInfoList: INTEGRATIONS.map((i) => ({ DatabaseName: i.database, PartnerName: i.partner, Status: i.status })),
    },
  ],
}

function reportOf(manifest: string, options: { audit?: boolean; today?: string } = {}): Report {
  const loaded = resolveManifest(parseDocumentText(manifest, 'm.yaml'), {}, { today: options.today ?? TODAY })
  assert.ok(loaded.desired, JSON.stringify(loaded.diagnostics))
  const observations = new Map<string, ClusterObservation>([
    ['123456789012/eu-west-1/analytics-prod', { kind: 'observed', observedAt: '2026-11-24T10:00:00Z', integrations: INTEGRATIONS }],
  ])
  return buildReport(loaded.desired!, observations, { source: 'test', policy: { today: options.today ?? TODAY, ...(options.audit ? { audit: true } : {}) } })
}

const EXCEPTED = `${MANIFEST}exceptions:
  - partner: Segment
    reason: migration to Fivetran
    owner: data-platform
    expires: 2027-03-01
`

const audit = suite('audit')

audit('audit :: an exception that accepts a finding accepts nothing in an audit, and the finding names it', () => {
  const normal = reportOf(EXCEPTED)
  assert.is(normal.exitCode, 0)
  assert.is(normal.findings.find((f) => f.kind === 'forbidden')?.suppressed?.by, 'exception')

  const r = reportOf(EXCEPTED, { audit: true })
  assert.is(r.audit, true)
  assert.is(r.exitCode, 2)
  const forbidden = r.findings.find((f) => f.kind === 'forbidden')!
  assert.is(forbidden.suppressed, undefined)
  assert.ok(forbidden.failing)
  assert.equal(forbidden.wouldBeSuppressed, { by: 'exception', reason: 'migration to Fivetran', owner: 'data-platform', expires: '2027-03-01', location: { file: 'm.yaml', line: 10, column: 5 } })
  // The exception was used: an audit does not call it unused.
  assert.not.ok(r.findings.some((f) => f.kind === 'unused-exception'))
  assert.equal(reportSchemaErrors(JSON.parse(renderReport('json', r))), [])
  assert.match(renderReport('text', r, { color: false }), /forbidden \(would be excepted\).*\n\s+audit: would be excepted: migration to Fivetran \(owner data-platform, expires 2027-03-01\)/)
})

audit('audit :: an exception that expires within 14 days warns, naming its owner; one further ahead does not', () => {
  const soon = reportOf(EXCEPTED.replace('2027-03-01', '2026-12-04'))
  const warning = soon.findings.filter((f) => f.kind === 'expiring-exception')
  assert.is(warning.length, 1)
  assert.is(warning[0]!.severity, 'warn')
  assert.match(warning[0]!.message, /^exception expires in 10 days \(2026-12-04\), owner data-platform: /)
  assert.equal(warning[0]!.location, { file: 'm.yaml', line: 10, column: 5 })
  assert.is(soon.summary.expiringExceptions, 1)
  // It still accepts what it accepts until then: a warning, not a red gate.
  assert.is(soon.exitCode, 0)
  assert.is(soon.findings.find((f) => f.kind === 'forbidden')?.suppressed?.by, 'exception')
  assert.equal(reportSchemaErrors(JSON.parse(renderReport('json', soon))), [])

  assert.is(reportOf(EXCEPTED.replace('2027-03-01', '2026-12-09')).summary.expiringExceptions, 0, '15 days ahead')
  assert.is(reportOf(EXCEPTED.replace('2027-03-01', '2026-12-08')).summary.expiringExceptions, 1, '14 days ahead')
  const noOwner = reportOf(EXCEPTED.replace('2027-03-01', TODAY).replace('    owner: data-platform\n', ''))
  assert.match(noOwner.findings.find((f) => f.kind === 'expiring-exception')!.message, /expires today \(2026-11-24\), owner not named/)
})

const RULES = 'exceptionRules: { requireOwner: true, requireExpiry: true, maxDays: 90 }\n'

audit('audit :: exceptionRules: an exception without owner or expiry, or expiring too far ahead, is a located error', () => {
  const text = `${MANIFEST}${RULES}exceptions:
  - partner: Segment
    reason: no owner, no expiry
  - partner: Stitch
    reason: too far
    owner: data-platform
    expires: 2027-02-23
  - partner: Hevo
    reason: just right
    owner: data-platform
    expires: 2027-02-22
`
  const { diagnostics } = resolveManifest(parseDocumentText(text, 'm.yaml'), {}, { today: TODAY })
  assert.equal(located(diagnostics), [
    { code: 'exception-expiry', path: 'exceptions[0]', line: 11, column: 5 },
    { code: 'exception-owner', path: 'exceptions[0]', line: 11, column: 5 },
    { code: 'exception-expiry-too-far', path: 'exceptions[1].expires', line: 16, column: 14 },
  ])
  assert.match(diagnostics.find((d) => d.code === 'exception-expiry-too-far')!.hint!, /on or before 2027-02-22/)
  // Without the rules the same exceptions are fine.
  assert.equal(resolveManifest(parseDocumentText(text.replace(RULES, ''), 'm.yaml'), {}, { today: TODAY }).diagnostics, [])
  // The schema checks the rules themselves.
  assert.equal(
    located(resolveManifest(parseDocumentText(`${MANIFEST}exceptionRules: { requireOwner: yes please, maxDays: 0 }\n`, 'm.yaml')).diagnostics).map((d) => d.code),
    ['schema', 'schema'],
  )
})

const cli = suite<{ dir: string }>('audit: CLI')
cli.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'partner-drift-audit-'))
  await writeFile(join(ctx.dir, 'snapshot.json'), JSON.stringify(SNAPSHOT))
})
cli.after(async (ctx) => rm(ctx.dir, { recursive: true, force: true }))

/** A day relative to the day the CLI runs, as it judges expiry by the real date. */
const daysFromNow = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)

cli('audit :: check --audit fails (exit 2) on a finding an exception accepts, and every format names the exception', async ({ dir }) => {
  await writeFile(join(dir, 'm.yaml'), EXCEPTED.replace('2027-03-01', daysFromNow(60)))
  const args = ['check', join(dir, 'm.yaml'), '--source', `snapshot:${join(dir, 'snapshot.json')}`]
  const accepted = await runCli(args)
  assert.is(accepted.code, 0, accepted.stderr)
  const run = await runCli([...args, '--audit', '--format', 'json', '-o', `sarif=${dir}/r.sarif`, '-o', `markdown=${dir}/r.md`])
  assert.is(run.code, 2, run.stderr)
  const report = JSON.parse(run.stdout) as Report
  assert.is(report.audit, true)
  const forbidden = report.findings.find((f) => f.kind === 'forbidden')!
  assert.is(forbidden.wouldBeSuppressed?.reason, 'migration to Fivetran')
  assert.is(forbidden.wouldBeSuppressed?.owner, 'data-platform')
  const { readFile } = await import('node:fs/promises')
  const sarif = JSON.parse(await readFile(join(dir, 'r.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; suppressions?: unknown; message: { text: string }; properties: { wouldBeSuppressed?: { reason: string } } }> }> }
  const result = sarif.runs[0]!.results.find((r) => r.ruleId === 'forbidden')!
  assert.is(result.suppressions, undefined, 'an audit shows it as an alert')
  assert.is(result.properties.wouldBeSuppressed?.reason, 'migration to Fivetran')
  assert.match(result.message.text, /audit: would be excepted: migration to Fivetran/)
  assert.match(await readFile(join(dir, 'r.md'), 'utf8'), /\*\*audit\*\*: exceptions and the baseline accept nothing/)
})

cli('audit :: an exception from --exceptions expiring in 10 days warns with its owner (exit 0); exceptionRules hold for the file too', async ({ dir }) => {
  await writeFile(join(dir, 'm.yaml'), MANIFEST + RULES)
  await writeFile(join(dir, 'exceptions.yaml'), `exceptions:\n  - partner: Segment\n    reason: migration\n    owner: data-platform\n    expires: ${daysFromNow(10)}\n`)
  const args = ['check', join(dir, 'm.yaml'), '--source', `snapshot:${join(dir, 'snapshot.json')}`, '--exceptions', join(dir, 'exceptions.yaml')]
  const run = await runCli(args)
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /! expiring-exception \(warning\): exception expires in 10 days \(\d{4}-\d\d-\d\d\), owner data-platform: .*\("migration"/)
  assert.match(run.stdout, /1 exception expiring soon/)

  await writeFile(join(dir, 'exceptions.yaml'), `exceptions:\n  - partner: Segment\n    reason: migration\n    expires: ${daysFromNow(200)}\n`)
  const refused = await runCli(args)
  assert.is(refused.code, 1)
  assert.match(refused.stderr, /exceptions\.yaml:2:5: exceptions\[0\]: this exception names no owner.*\[exception-owner\]/)
  assert.match(refused.stderr, /exceptions\.yaml:4:14: exceptions\[0\]\.expires: expires "\d{4}-\d\d-\d\d" is more than 90 days after .*\[exception-expiry-too-far\]/)
})

audit.run()
cli.run()
