import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { XMLValidator } from 'fast-xml-parser'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterObservation } from '../src/contract.js'
import { parseDocumentText } from '../src/input/document.js'
import { resolveManifest } from '../src/manifest/load-manifest.js'
import { buildReport } from '../src/check.js'
import type { Report } from '../src/model/report.js'
import { runCli } from './helpers/cli.js'

const OBSERVED_AT = '2026-11-24T10:00:00Z'

/** Builds a report from manifest text and one cluster's observed integrations. */
function report(manifest: string, integrations: Array<[string, string, string]>, policy: Parameters<typeof buildReport>[2]['policy'] = { today: '2026-11-24' }): Report {
  const loaded = resolveManifest(parseDocumentText(manifest, 'm.yaml'))
  assert.ok(loaded.desired, JSON.stringify(loaded.diagnostics))
  const observations = new Map<string, ClusterObservation>()
  for (const c of loaded.desired!.clusters) {
    observations.set(`${c.accountId}/${c.region}/${c.cluster}`, {
      kind: 'observed',
      observedAt: OBSERVED_AT,
      integrations: integrations.map(([database, partner, status]) => ({ database, partner, status })),
    })
  }
  return buildReport(loaded.desired!, observations, { source: 'test', policy })
}

const BASE = `version: 1
defaults: { accountId: "123456789012", region: eu-west-1, absent: [Segment] }
clusters:
  - cluster: analytics-prod
    databases:
      - database: dev
        partners:
          - partner: Fivetran
          - partner: Stitch
`

const policy = suite('policy')

policy('policy :: per-kind severity from the manifest, overridden per cluster, off hides', () => {
  const r = report(
    BASE + 'policy: { missing: warn, extra: off }\n',
    [
      ['dev', 'Fivetran', 'Active'],
      ['dev', 'Hevo', 'Active'],
    ],
  )
  assert.equal(
    r.findings.map((f) => `${f.kind}:${f.severity}`),
    ['missing:warn'],
  )
  assert.is(r.outcome, 'in-sync')
  assert.is(r.exitCode, 0)
  const perCluster = report(BASE.replace('  - cluster: analytics-prod\n', '  - cluster: analytics-prod\n    policy: { missing: fail }\n') + 'policy: { missing: warn }\n', [['dev', 'Fivetran', 'Active']])
  assert.is(perCluster.findings[0].severity, 'fail')
  assert.is(perCluster.outcome, 'drift')
})

policy('policy :: --fail-on: listed kinds fail, the others warn, errors always fail', () => {
  const r = report(BASE, [['dev', 'Segment', 'Active']], { today: '2026-11-24', failOn: ['forbidden'] })
  const bySeverity = Object.fromEntries(r.findings.map((f) => [`${f.kind}:${f.partner}`, f.severity]))
  assert.equal(bySeverity, { 'missing:Fivetran': 'warn', 'missing:Stitch': 'warn', 'forbidden:Segment': 'fail' })
  const loaded = resolveManifest(parseDocumentText(BASE, 'm.yaml')).desired!
  const failed = buildReport(loaded, new Map([['123456789012/eu-west-1/analytics-prod', { kind: 'error', code: 'AccessDenied', message: 'no' }]]), {
    source: 'test',
    policy: { today: '2026-11-24', failOn: ['missing'] },
  })
  assert.is(failed.findings[0].kind, 'error')
  assert.is(failed.findings[0].severity, 'fail')
  assert.is(failed.exitCode, 1)
})

policy('policy :: an exception suppresses matching findings by glob and kind, visible and not failing', () => {
  const r = report(
    BASE +
      `exceptions:
  - cluster: "analytics-*"
    partner: Segment
    kind: forbidden
    reason: migrating to Fivetran (DATA-123)
    owner: data-platform
    expires: 2026-12-31
`,
    [
      ['dev', 'Fivetran', 'Active'],
      ['dev', 'Stitch', 'Active'],
      ['dev', 'Segment', 'Active'],
    ],
  )
  assert.is(r.findings.length, 1)
  const [f] = r.findings
  assert.is(f.kind, 'forbidden')
  assert.equal(f.suppressed, { by: 'exception', reason: 'migrating to Fivetran (DATA-123)', owner: 'data-platform', expires: '2026-12-31', location: { file: 'm.yaml', line: 11, column: 5 } })
  assert.is(r.summary.forbidden, 0)
  assert.is(r.summary.excepted, 1)
  assert.is(r.outcome, 'in-sync')
})

policy('policy :: an expired exception suppresses nothing and fails; an unused one warns', () => {
  const r = report(
    BASE +
      `exceptions:
  - partner: Segment
    reason: temporary
    expires: 2026-11-23
  - partner: NeverThere
    reason: left over
`,
    [
      ['dev', 'Fivetran', 'Active'],
      ['dev', 'Stitch', 'Active'],
      ['dev', 'Segment', 'Active'],
    ],
  )
  const kinds = r.findings.map((f) => `${f.kind}:${f.severity}:${f.suppressed ? 'suppressed' : 'active'}`).sort()
  assert.equal(kinds, ['expired-exception:fail:active', 'forbidden:fail:active', 'unused-exception:warn:active'])
  const expired = r.findings.find((f) => f.kind === 'expired-exception')!
  assert.equal(expired.location, { file: 'm.yaml', line: 11, column: 5 })
  assert.is(r.summary.expiredExceptions, 1)
  assert.is(r.summary.unusedExceptions, 1)
  assert.is(r.outcome, 'drift')
  // The day of expiry itself still counts.
  const lastDay = report(BASE + 'exceptions:\n  - { partner: Segment, reason: temporary, expires: 2026-11-24 }\n', [['dev', 'Fivetran', 'Active'], ['dev', 'Stitch', 'Active'], ['dev', 'Segment', 'Active']])
  assert.is(lastDay.outcome, 'in-sync')
})

policy('policy :: exceptions never excuse a cluster that could not be observed', () => {
  const loaded = resolveManifest(parseDocumentText(BASE + 'exceptions:\n  - { cluster: "*", reason: everything }\n', 'm.yaml')).desired!
  const r = buildReport(loaded, new Map([['123456789012/eu-west-1/analytics-prod', { kind: 'error', code: 'Timeout', message: 'slow' }]]), { source: 'test', policy: { today: '2026-11-24' } })
  assert.equal(r.findings.map((f) => f.kind).sort(), ['error', 'unused-exception'])
  assert.is(r.outcome, 'incomplete')
})

policy('policy :: manifest exceptions are schema-checked with located errors', () => {
  const loaded = resolveManifest(parseDocumentText(BASE + 'exceptions:\n  - partner: Segment\n    kind: error\n    expires: next week\n', 'm.yaml'))
  assert.is(loaded.desired, undefined)
  const found = loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}`)
  assert.ok(found.includes('11:5 exceptions[0]'), found.join('\n')) // missing reason
  assert.ok(found.includes('12:11 exceptions[0].kind'), found.join('\n'))
  assert.ok(found.includes('13:14 exceptions[0].expires'), found.join('\n'))
})

policy.run()

const cli = suite<{ dir: string }>('policy cli')
cli.before(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), 'partner-drift-policy-'))
})
cli.after(async (ctx) => rm(ctx.dir, { recursive: true, force: true }))

const EXAMPLE = ['examples/partner-drift.yaml', '--source', 'snapshot:examples/snapshot.json']

cli('cli :: one run writes text, SARIF, JUnit, Markdown and JSON together', async ({ dir }) => {
  const out = (name: string) => join(dir, name)
  const run = await runCli(['check', ...EXAMPLE, '--output', `sarif=${out('r.sarif')}`, '--output', `junit=${out('r.xml')}`, '--output', `markdown=${out('r.md')}`, '--output', `json=${out('r.json')}`])
  assert.is(run.code, 2)
  assert.match(run.stdout, /Outcome: drift \(exit 2\)/)
  const sarif = JSON.parse(await readFile(out('r.sarif'), 'utf8'))
  assert.is(sarif.version, '2.1.0')
  const json = JSON.parse(await readFile(out('r.json'), 'utf8')) as Report
  assert.is(sarif.runs[0].results.length, json.findings.length)
  assert.is(XMLValidator.validate(await readFile(out('r.xml'), 'utf8')), true)
  assert.match(await readFile(out('r.md'), 'utf8'), /\|/)
})

cli('cli :: a baseline run fails only on a newly introduced finding', async ({ dir }) => {
  const baseline = join(dir, 'baseline.json')
  const first = await runCli(['check', ...EXAMPLE, '--output', `json=${baseline}`])
  assert.is(first.code, 2)
  const same = await runCli(['check', ...EXAMPLE, '--baseline', baseline, '--format', 'json'])
  assert.is(same.code, 0, same.stderr)
  const known = JSON.parse(same.stdout) as Report
  assert.ok(known.summary.known > 0)
  assert.ok(known.findings.every((f) => f.suppressed?.by === 'baseline'))
  // One new drift: Datacoral on dev must now be Active only, and it is Inactive.
  const manifest = (await readFile('examples/partner-drift.yaml', 'utf8')).replace('            status: [Active, Inactive]\n', '')
  const changed = join(dir, 'changed.yaml')
  await writeFile(changed, manifest)
  const next = await runCli(['check', changed, '--source', 'snapshot:examples/snapshot.json', '--baseline', baseline, '--format', 'json'])
  assert.is(next.code, 2)
  const r = JSON.parse(next.stdout) as Report
  const failing = r.findings.filter((f) => !f.suppressed && f.severity === 'fail')
  assert.equal(failing.map((f) => `${f.kind} ${f.partner}`), ['unhealthy Datacoral'])
})

cli('cli :: --exceptions file; a broken baseline or exceptions file is a located error before any fetch', async ({ dir }) => {
  const exceptions = join(dir, 'exceptions.yaml')
  await writeFile(exceptions, 'exceptions:\n  - { cluster: "*", kind: [missing, extra, forbidden, unhealthy, stale], reason: accepted for the test }\n')
  const ok = await runCli(['check', ...EXAMPLE, '--exceptions', exceptions])
  assert.is(ok.code, 0, ok.stdout)
  assert.match(ok.stdout, /excepted/)
  const bad = join(dir, 'bad-exceptions.yaml')
  await writeFile(bad, 'exceptions:\n  - { cluster: "*" }\n')
  const badBaseline = join(dir, 'bad.json')
  await writeFile(badBaseline, '{"version": 1, "findings": [{"kind": "missing"}]}')
  const failed = await runCli(['check', ...EXAMPLE, '--exceptions', bad, '--baseline', badBaseline])
  assert.is(failed.code, 1)
  assert.match(failed.stderr, /bad-exceptions\.yaml:2:5: exceptions\[0\]: missing required key "reason"/)
  assert.match(failed.stderr, /bad\.json:1:\d+: findings\.0: finding has no fingerprint/)
  assert.is(failed.stdout, '')
})

cli('cli :: under GitHub Actions the text report is followed by annotations; --github-summary appends Markdown', async ({ dir }) => {
  const summary = join(dir, 'summary.md')
  await writeFile(summary, '# earlier step\n')
  const run = await runCli(['check', ...EXAMPLE, '--github-summary'], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } })
  assert.is(run.code, 2)
  assert.match(run.stdout, /^Outcome: drift/m)
  assert.match(run.stdout, /^::error file=examples\/partner-drift\.yaml,line=17,col=13,/m)
  const written = await readFile(summary, 'utf8')
  assert.ok(written.startsWith('# earlier step\n'))
  assert.ok(written.length > 100)
  const chosen = await runCli(['check', ...EXAMPLE, '--format', 'json'], { env: { GITHUB_ACTIONS: 'true' } })
  assert.not.match(chosen.stdout, /^::/m)
})

cli('cli :: bad --output and --fail-on values exit 1 with a message', async () => {
  const [output, failOn] = await Promise.all([runCli(['check', ...EXAMPLE, '--output', 'pdf=x.pdf']), runCli(['check', ...EXAMPLE, '--fail-on', 'missing,bogus'])])
  assert.is(output.code, 1)
  assert.match(output.stderr, /not FORMAT=PATH/)
  assert.is(failOn.code, 1)
  assert.match(failOn.stderr, /unknown kind "bogus"/)
})

cli.run()
