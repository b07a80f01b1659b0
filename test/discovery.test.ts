/**
 * Discovery and rules through the real CLI, replayed from a snapshot: what rules select, unmanaged
 * integrations, defaults.absent everywhere, contradictions, scopes that could not be looked at,
 * coverage, and snapshot-then-check giving the same findings.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { reportSchemaErrors, ROOT, runCli } from './helpers/cli.js'

const MANIFEST = `${ROOT}examples/rules/partner-drift.yaml`
const SNAPSHOT = `${ROOT}examples/rules/snapshot.json`

interface Finding { kind: string; cluster: string; database?: string; partner?: string; severity: string; cause?: { code: string }; message: string; location?: { line: number } }
interface Report { exitCode: number; findings: Finding[]; coverage?: Record<string, unknown> & { scopes: unknown[] }; summary: Record<string, number> }

const brief = (f: Finding) => [f.kind, f.cluster, f.database ?? '', f.partner ?? '']

let dir = ''
const discovery = suite('discovery and rules')
discovery.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'discovery-'))
})
discovery.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function check(manifest: string, snapshot = SNAPSHOT): Promise<{ code: number; report: Report; stderr: string }> {
  const run = await runCli(['check', manifest, '--source', `snapshot:${snapshot}`, '--format', 'json'])
  return { code: run.code, report: JSON.parse(run.stdout || '{}') as Report, stderr: run.stderr }
}

async function variant(name: string, edit: (text: string) => string, file = MANIFEST): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, edit(await readFile(file, 'utf8')))
  return path
}

discovery('rules select by tags, names and regions; an uncovered cluster is unmanaged; defaults.absent is forbidden on it', async () => {
  const { code, report } = await check(MANIFEST)
  assert.is(code, 2)
  assert.equal(reportSchemaErrors(report), [])
  assert.equal(report.findings.map(brief), [
    ['unused-rule', '*', '', ''],
    ['missing', 'sales-eu', 'sales', 'Stitch'],
    ['unmanaged', 'scratch-42', 'dev', 'Etleap'],
    ['forbidden', 'scratch-42', 'dev', 'Segment'],
  ])
  assert.is(report.findings[0]!.severity, 'warn')
  assert.is(report.findings[0]!.location?.line, 30)
  assert.equal({ ...report.coverage, scopes: report.coverage?.scopes.length }, { clusters: 5, byRules: 3, byEntries: 1, unmanaged: 2, unmanagedWithIntegrations: 1, scopes: 4 })
  assert.is(report.summary.unmanaged, 1)

  const markdown = await runCli(['check', MANIFEST, '--source', `snapshot:${SNAPSHOT}`, '--format', 'markdown'])
  assert.match(markdown.stdout, '| `444455556666` | `us-east-1` | 1 | 0 | 0 | 1 | 0 |\n| **all** |  | 5 | 3 | 1 | 2 | 1 |')
  const text = await runCli(['check', MANIFEST, '--source', `snapshot:${SNAPSHOT}`])
  assert.match(text.stdout, '\nCoverage: 5 clusters discovered: 3 covered by rules, 1 by clusters: entries, 2 unmanaged (1 with integrations).\n')
})

discovery('unmanaged: warn makes unmanaged integrations warnings; ignore drops them, but not what is forbidden everywhere', async () => {
  const warn = await check(await variant('warn.yaml', (t) => t.replace('unmanaged: fail', 'unmanaged: warn')))
  assert.equal(warn.report.findings.filter((f) => f.kind === 'unmanaged').map((f) => f.severity), ['warn'])
  const ignore = await check(await variant('ignore.yaml', (t) => t.replace('unmanaged: fail', 'unmanaged: ignore')))
  assert.equal(ignore.report.findings.map((f) => f.kind), ['unused-rule', 'missing', 'forbidden'])
})

discovery('a contradiction between two rules is an error finding naming both places, and the run exits 1', async () => {
  const manifest = await variant('contradiction.yaml', (t) =>
    t.replace('  - name: retired clusters', '  - name: prod sales may pause Stitch\n    match: { tags: { env: prod }, cluster: "sales-*" }\n    databases:\n      - database: sales\n        partners:\n          - partner: Stitch\n            status: [Active, Inactive]\n  - name: retired clusters'),
  )
  const { code, report } = await check(manifest)
  assert.is(code, 1)
  const error = report.findings.find((f) => f.kind === 'error')
  assert.equal(error && [...brief(error), error.cause?.code], ['error', 'sales-eu', 'sales', 'Stitch', 'ContradictoryExpectations'])
  assert.match(error!.message, /contradiction\.yaml:29:13 and .*contradiction\.yaml:35:13/)
})

discovery('a scope that could not be looked at is an error finding and exit 1: the gate cannot say nothing is unmanaged there', async () => {
  const snapshot = await variant(
    'denied.json',
    (t) => {
      const s = JSON.parse(t) as { discovery: { scopes: Array<Record<string, unknown>> } }
      s.discovery.scopes[1] = { accountId: '111122223333', region: 'us-east-1', error: { code: 'AccessDenied', message: 'User is not authorized to perform redshift:DescribeClusters', source: 'aws' } }
      return JSON.stringify(s)
    },
    SNAPSHOT,
  )
  const { code, report } = await check(MANIFEST, snapshot)
  assert.is(code, 1)
  const error = report.findings.find((f) => f.kind === 'error')
  assert.equal(error && [error.cluster, error.cause?.code], ['*', 'AccessDenied'])
  assert.match(error!.message, 'could not discover the clusters of account 111122223333 in us-east-1: [source aws] 111122223333/us-east-1: AccessDenied: ')

  const unrecorded = await check(await variant('more-regions.yaml', (t) => t.replace('regions: [eu-west-1, us-east-1]', 'regions: [eu-west-1, us-east-1, ap-south-1]')))
  assert.is(unrecorded.code, 1, 'a scope the snapshot never recorded is not "no clusters"')
  assert.equal(unrecorded.report.findings.filter((f) => f.kind === 'error').map((f) => f.cause?.code), ['NotInSnapshot', 'NotInSnapshot'])
})

discovery('a source that cannot discover is a usage error naming it, before any cluster', async () => {
  const run = await runCli(['check', MANIFEST, '--source', `tfstate:${ROOT}test/fixtures/tfstate/terraform.tfstate`])
  assert.is(run.code, 1)
  assert.match(run.stderr, 'source "tfstate" cannot discover clusters')
  assert.match(run.stderr, /^Code: discovery-unsupported$/m)
})

discovery('validation: rules without discover, duplicate rule names, discover with both accounts and organization', async () => {
  const manifest = join(dir, 'invalid.yaml')
  await writeFile(
    manifest,
    [
      'version: 1',
      'clusters: [{ cluster: a, accountId: "111122223333", region: eu-west-1 }]',
      'rules:',
      '  - { name: one, match: {} }',
      '  - { name: one, match: { cluster: "a*" } }',
      '  - { name: two }',
      'unmanaged: warn',
    ].join('\n') + '\n',
  )
  const run = await runCli(['validate', manifest])
  assert.is(run.code, 1)
  const codes = [...run.stderr.matchAll(/:(\d+):(\d+): .*\[([\w-]+)\]$/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`)
  assert.equal(codes, ['3:1 needs-discover', '5:13 duplicate-rule', '6:5 schema', '7:1 needs-discover'])

  await writeFile(manifest, 'version: 1\ndiscover:\n  accounts: ["111122223333"]\n  organization: {}\n  regions: [eu-west-1]\n')
  const both = await runCli(['validate', manifest])
  assert.is(both.code, 1)
  assert.match(both.stderr, /:3:3: discover: needs either accounts: or organization:.* \[discover-accounts\]$/m)
})

discovery('snapshot records discovery; check against the new snapshot gives the same findings', async () => {
  const recorded = join(dir, 'recorded.json')
  const run = await runCli(['snapshot', MANIFEST, '--source', `snapshot:${SNAPSHOT}`, '--out', recorded])
  assert.is(run.code, 0, run.stderr)
  const original = await check(MANIFEST)
  const replayed = await check(MANIFEST, recorded)
  assert.equal(replayed.report.findings, original.report.findings)
  assert.equal(replayed.report.coverage, original.report.coverage)
})

discovery('discover lists every cluster with its tags and what covers it, and judges nothing', async () => {
  const run = await runCli(['discover', MANIFEST, '--source', `snapshot:${SNAPSHOT}`, '--json'])
  assert.is(run.code, 0, run.stderr)
  const listing = JSON.parse(run.stdout) as { scopes: Array<{ clusters: Array<{ cluster: string; rules: string[]; entry: boolean }> }>; unusedRules: Array<{ name: string }>; coverage: object }
  const clusters = listing.scopes.flatMap((s) => s.clusters.map((c) => [c.cluster, c.rules.length, c.entry]))
  assert.equal(clusters, [['analytics-prod', 1, true], ['sales-eu', 2, false], ['scratch-42', 0, false], ['sales-emea', 1, false], ['legacy', 0, false]])
  assert.equal(listing.unusedRules.map((r) => r.name), ['retired clusters'])
  assert.equal(listing.coverage, { clusters: 5, byRules: 3, byEntries: 1, unmanaged: 2 })
  const text = await runCli(['discover', MANIFEST, '--source', `snapshot:${SNAPSHOT}`])
  assert.match(text.stdout, 'scratch-42 (available)  (no tags)\n      unmanaged: no rule and no entry covers it')
})

discovery.run()
