/**
 * The tfstate source against state files shaped like what Terraform 1.11 and the AWS provider
 * write (test/fixtures/tfstate): same findings as the snapshot source for the same reality,
 * modules and count/for_each, region matching, and located errors for unusable state.
 */
import { readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import type { ClusterObservation, ClusterTarget, SourceSession } from '../src/contract.js'
import { InputError } from '../src/input/diagnostics.js'
import tfstate from '../plugins/tfstate/index.js'
import { runCli } from './helpers/cli.js'
import { ROOT, tempDir } from './helpers/source-packages.js'

const FIXTURES = join(ROOT, 'test/fixtures/tfstate')
const STATE = join(FIXTURES, 'terraform.tfstate')

interface ReportFinding {
  kind: string
  severity: string
  accountId: string
  region: string
  cluster: string
  database?: string
  partner?: string
  message: string
  cause?: { code: string }
}

function identities(findings: ReportFinding[]): string[] {
  return findings.map((f) => [f.kind, f.severity, f.accountId, f.region, f.cluster, f.database ?? '-', f.partner ?? '-'].join(' '))
}

async function open(path: string, cwd = FIXTURES): Promise<SourceSession> {
  return tfstate.open({ path }, { cwd, signal: new AbortController().signal, env: {} })
}

async function openError(path: string, cwd = FIXTURES): Promise<InputError> {
  try {
    await open(path, cwd)
  } catch (error) {
    assert.instance(error, InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

function observe(session: SourceSession, target: ClusterTarget): Promise<ClusterObservation> {
  return session.observe(target, new AbortController().signal)
}

// ---------------------------------------------------------------------------------------------
const equivalence = suite('tfstate :: same findings as the snapshot source')

equivalence('for equivalent state, check reports the same findings with either source (exit 2)', async () => {
  const manifest = join(FIXTURES, 'manifest.yaml')
  const fromState = await runCli(['check', manifest, '--source', `tfstate:${STATE}`, '--format', 'json'])
  const fromSnapshot = await runCli(['check', manifest, '--source', `snapshot:${join(FIXTURES, 'snapshot.json')}`, '--format', 'json'])
  assert.is(fromState.code, 2, fromState.stderr)
  assert.is(fromSnapshot.code, 2, fromSnapshot.stderr)
  const state = JSON.parse(fromState.stdout) as { findings: ReportFinding[]; summary: Record<string, number> }
  const snapshot = JSON.parse(fromSnapshot.stdout) as { findings: ReportFinding[]; summary: Record<string, number> }
  assert.equal(identities(state.findings), identities(snapshot.findings))
  assert.equal(identities(state.findings), [
    'unhealthy fail 123456789012 eu-west-1 analytics-prod dev Fivetran',
    'forbidden fail 123456789012 eu-west-1 analytics-prod dev Segment',
    'extra fail 123456789012 eu-west-1 analytics-prod marketing Sisense',
    'missing fail 123456789012 eu-west-1 analytics-prod sales Etleap',
    'extra warn 123456789012 eu-west-1 analytics-staging scratch Upsolver',
    'missing fail 123456789012 us-east-1 reporting bi Matillion',
    'unhealthy fail 210987654321 eu-central-1 etl-eu warehouse Stitch',
  ])
  assert.equal(state.summary.inSync, snapshot.summary.inSync)
  const unhealthy = state.findings.find((f) => f.kind === 'unhealthy' && f.partner === 'Fivetran')!
  assert.match(unhealthy.message, 'status message: "Sync failed: password authentication failed for user fivetran"')
})

equivalence('a declared cluster the state never mentions: every expected integration is missing, "not in Terraform state"', async () => {
  const run = await runCli(['check', join(FIXTURES, 'manifest.yaml'), '--source', `tfstate:${STATE}`, '--format', 'json'])
  const reporting = (JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings.filter((f) => f.cluster === 'reporting')
  assert.equal(reporting.map((f) => [f.kind, f.partner, f.cause?.code]), [['missing', 'Matillion', 'ClusterNotFound']])
  assert.match(reporting[0].message, `reporting (account 123456789012, us-east-1) is not in Terraform state ${STATE}`)
})

equivalence('- reads the state from stdin (terraform state pull | partner-drift check --source tfstate:-)', async () => {
  const run = await runCli(['check', join(FIXTURES, 'manifest.yaml'), '--source', 'tfstate:-', '--format', 'json'], { input: await readFile(STATE, 'utf8') })
  assert.is(run.code, 2, run.stderr)
  assert.is((JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings.length, 7)
})

equivalence('maxStatusAge cannot be judged from state (no timestamps): present integrations are stale, fail closed', async () => {
  const dir = await tempDir('tfstate-age')
  const manifest = (await readFile(join(FIXTURES, 'manifest.yaml'), 'utf8')).replace('  absent: [Segment]\n', '  absent: [Segment]\n  maxStatusAge: 30d\n')
  await writeFile(join(dir, 'partner-drift.yaml'), manifest)
  const run = await runCli(['check', '--source', `tfstate:${STATE}`, '--format', 'json'], { cwd: dir })
  assert.is(run.code, 2)
  const stale = (JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings.filter((f) => f.kind === 'stale')
  assert.equal(
    stale.map((f) => `${f.cluster} ${f.database} ${f.partner}`),
    ['analytics-prod dev Datacoral', 'analytics-prod sales Stitch', 'analytics-staging dev Fivetran', 'etl-eu warehouse Fivetran'],
  )
  assert.ok(stale.every((f) => f.message.includes('has no UpdatedAt or CreatedAt')))
})

equivalence.run()

// ---------------------------------------------------------------------------------------------
const reading = suite('tfstate :: what is read from the state')

reading('modules, count and for_each instances; other resource types, data sources and undeclared clusters are ignored', async () => {
  const session = await open('terraform.tfstate')
  const staging = await observe(session, { accountId: '123456789012', region: 'eu-west-1', cluster: 'analytics-staging' })
  assert.equal(staging.kind === 'observed' && staging.integrations, [
    { database: 'dev', partner: 'Fivetran', status: 'Active', statusMessage: '' },
    { database: 'scratch', partner: 'Upsolver', status: 'Active', statusMessage: '' },
  ])
  const etl = await observe(session, { accountId: '210987654321', region: 'eu-central-1', cluster: 'etl-eu' })
  assert.equal(etl.kind === 'observed' && etl.integrations.map((i) => `${i.partner} ${i.status}`), ['Fivetran Active', 'Stitch ConnectionFailure'])
  const prod = await observe(session, { accountId: '123456789012', region: 'eu-west-1', cluster: 'analytics-prod' })
  assert.equal(prod.kind === 'observed' && prod.integrations.map((i) => `${i.database}/${i.partner}`), ['dev/Fivetran', 'marketing/Sisense', 'dev/Datacoral', 'dev/Segment', 'sales/Stitch'])
  const otherAccount = await observe(session, { accountId: '999999999999', region: 'eu-west-1', cluster: 'analytics-prod' })
  assert.is(otherAccount.kind, 'not-found')
})

reading('observedAt is when Terraform last wrote the state (the file\'s modification time)', async () => {
  const dir = await tempDir('tfstate-mtime')
  const copy = join(dir, 'terraform.tfstate')
  await writeFile(copy, await readFile(STATE))
  const written = new Date('2026-11-20T08:30:00Z')
  await utimes(copy, written, written)
  const observation = await observe(await open(copy, dir), { accountId: '123456789012', region: 'eu-west-1', cluster: 'analytics-prod' })
  assert.is(observation.kind === 'observed' && observation.observedAt, '2026-11-20T08:30:00.000Z')
})

reading('AWS provider 6 records the region: one cluster name in two regions is told apart; other regions are not found', async () => {
  const run = await runCli(['check', join(FIXTURES, 'regions.yaml'), '--source', `tfstate:${join(FIXTURES, 'aws-provider-v6.tfstate')}`])
  assert.is(run.code, 0, run.stdout + run.stderr)
  assert.match(run.stdout, '2 of 2 expected integrations in sync')
  const session = await open('aws-provider-v6.tfstate')
  const elsewhere = await observe(session, { accountId: '123456789012', region: 'ap-south-1', cluster: 'analytics' })
  assert.is(elsewhere.kind, 'not-found')
  assert.match(elsewhere.kind === 'not-found' ? elsewhere.message : '', 'is not in Terraform state aws-provider-v6.tfstate; the state has this cluster only in eu-west-1, us-east-1')
})

reading('without regions, one cluster under two provider configurations is ambiguous: an error, never a guess (exit 1)', async () => {
  const run = await runCli(['check', join(FIXTURES, 'regions.yaml'), '--source', `tfstate:${join(FIXTURES, 'two-providers-no-region.tfstate')}`, '--format', 'json'])
  assert.is(run.code, 1)
  const findings = (JSON.parse(run.stdout) as { findings: ReportFinding[] }).findings
  assert.equal(findings.map((f) => [f.kind, f.region, f.cause?.code]), [
    ['error', 'eu-west-1', 'AmbiguousRegion'],
    ['error', 'us-east-1', 'AmbiguousRegion'],
  ])
  assert.match(findings[0].message, 'provider["registry.terraform.io/hashicorp/aws"].eu: aws_redshift_partner.fivetran; provider["registry.terraform.io/hashicorp/aws"].us: aws_redshift_partner.stitch')
})

reading.run()

// ---------------------------------------------------------------------------------------------
const errors = suite('tfstate :: unusable state is a located error')

async function variant(name: string, edit: (state: any) => unknown): Promise<string> {
  const dir = await tempDir('tfstate-bad')
  const state = JSON.parse(await readFile(STATE, 'utf8'))
  const path = join(dir, name)
  await writeFile(path, JSON.stringify(edit(state) ?? state, null, 2))
  return path
}

errors('a table of broken states, each with its code, key path and position', async () => {
  const cases: Array<[string, string, Array<[string, string, number, number, RegExp]>]> = [
    [
      'wrong format version',
      await variant('v3.tfstate', (s) => {
        s.version = 3
      }),
      [['schema', 'version', 2, 14, /^must be 4, not 3$/]],
    ],
    [
      'an attribute of the wrong type and one missing',
      await variant('attributes.tfstate', (s) => {
        s.resources[3].instances[0].attributes.account_id = 123456789012
        delete s.resources[6].instances[1].attributes.partner_name
      }),
      [
        ['schema', 'resources[3].instances[0].attributes.account_id', 126, 27, /^must be a string, not 123456789012$/],
        ['schema', 'resources[6].instances[1].attributes', 237, 25, /^missing required key "partner_name"$/],
      ],
    ],
    [
      'resources not a list',
      await variant('resources.tfstate', (s) => {
        s.resources = {}
      }),
      [['schema', 'resources', 12, 16, /^must be a list, not a mapping$/]],
    ],
    [
      'terraform show -json output',
      await variant('show.json', () => ({ format_version: '1.0', terraform_version: '1.11.4', values: { root_module: {} } })),
      [['tfstate-show-json', 'format_version', 2, 3, /terraform show -json, not a state file/]],
    ],
  ]
  for (const [what, path, expected] of cases) {
    const error = await openError(path)
    assert.equal(
      error.diagnostics.map((d) => [d.code, d.path, d.line, d.column]),
      expected.map(([code, key, line, column]) => [code, key, line, column]),
      what,
    )
    error.diagnostics.forEach((d, i) => assert.match(d.message, expected[i][4], what))
  }
})

errors('truncated JSON points at where it breaks; empty input and a missing file say so', async () => {
  const dir = await tempDir('tfstate-truncated')
  const text = await readFile(STATE, 'utf8')
  await writeFile(join(dir, 'truncated.tfstate'), text.slice(0, 2000))
  const lastLine = text.slice(0, 2000).split('\n')
  const truncated = await openError('truncated.tfstate', dir)
  assert.equal(truncated.diagnostics.map((d) => [d.file, d.code, d.line, d.column]), [['truncated.tfstate', 'tfstate-json', lastLine.length, lastLine.at(-1)!.length + 1]])
  assert.match(truncated.diagnostics[0].message, /^not valid JSON: /)
  await writeFile(join(dir, 'empty.tfstate'), '\n')
  assert.equal((await openError('empty.tfstate', dir)).diagnostics.map((d) => [d.line, d.column, d.message]), [[1, 1, 'the state is empty']])
  const missing = await openError('nope.tfstate', dir)
  assert.equal(missing.diagnostics.map((d) => [d.code, d.message]), [['read', 'cannot read nope.tfstate: no such file']])
  assert.match(missing.diagnostics[0].hint ?? '', 'terraform state pull | partner-drift check --source tfstate:-')
})

errors('through the CLI: the problem is printed FILE:LINE:COLUMN and the run stops before any cluster (exit 1)', async () => {
  const dir = await tempDir('tfstate-cli')
  await writeFile(join(dir, 'v3.tfstate'), (await readFile(STATE, 'utf8')).replace('"version": 4', '"version": 3'))
  const run = await runCli(['check', join(FIXTURES, 'manifest.yaml'), '--source', 'tfstate:v3.tfstate'], { cwd: dir })
  assert.is(run.code, 1)
  assert.match(run.stderr, 'v3.tfstate:2:14: version: must be 4, not 3 [schema]\n  hint: this source reads Terraform state format 4 (Terraform 0.12 and later)\n')
  // One problem, reported once: no report with the same error for every cluster.
  assert.is(run.stdout, '')
})

errors.run()
