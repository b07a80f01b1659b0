/**
 * The manifest loader: defaults inheritance, and every mistake a user can make reported as a
 * located diagnostic (code, key path, line, column), all at once, in file order.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { MAX_INPUT_BYTES, parseDocumentText } from '../src/input/document.js'
import { loadManifest, resolveManifest } from '../src/manifest/load-manifest.js'
import { desiredFrom, FIXTURES, located, yamlLines } from './helpers/cli.js'

const HEAD = ['version: 1', 'defaults:', '  accountId: "123456789012"', '  region: eu-west-1', 'clusters:']
/** Lines 6 to 10: one cluster, one database, one partner. */
const FIVETRAN_ON_DEV = ['  - cluster: analytics-prod', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran']
const PARTNER = 'clusters[0].databases[0].partners[0]'
/** A manifest must declare a cluster; rows about other mistakes declare this one, on one line. */
const ONE_CLUSTER = 'clusters: [{ cluster: c1, accountId: "123456789012", region: eu-west-1 }]'

const loader = suite('manifest :: loader')

loader('defaults cascade from defaults to cluster to database to partner', () => {
  const desired = desiredFrom(
    yamlLines(
      'version: 1',
      'defaults:',
      '  accountId: "111111111111"',
      '  region: eu-west-1',
      '  assumeRole: arn:aws:iam::{accountId}:role/partner-drift-read',
      '  status: Active',
      '  maxStatusAge: 7d',
      '  extra: warn',
      '  absent: [Segment]',
      'clusters:',
      '  - cluster: inherits', // 11
      '    databases:',
      '      - database: dev',
      '        partners:',
      '          - partner: Fivetran', // 15
      '  - cluster: overrides', // 16
      '    accountId: "222222222222"',
      '    region: us-east-1',
      '    status: [Active, Inactive]',
      '    maxStatusAge: 12h',
      '    extra: ignore',
      '    absent: [Stitch]', // 22
      '    databases:',
      '      - database: dev', // 24
      '        status: Inactive',
      '        maxStatusAge: 1d12h',
      '        extra: fail',
      '        absent: [Hevo]', // 28
      '        partners:',
      '          - partner: Fivetran',
      '          - partner: Datacoral', // 31
      '            status: [RuntimeFailure, ConnectionFailure]',
      '            maxStatusAge: 30m',
      '      - database: other', // 34
      '        partners:',
      '          - partner: Airbyte',
    ),
  )
  const [inherits, overrides] = desired.clusters
  assert.is(desired.file, 'm.yaml')

  assert.equal(
    { accountId: inherits.accountId, region: inherits.region, assumeRole: inherits.assumeRole, extra: inherits.extra },
    { accountId: '111111111111', region: 'eu-west-1', assumeRole: 'arn:aws:iam::111111111111:role/partner-drift-read', extra: 'warn' },
  )
  assert.equal(inherits.location, { file: 'm.yaml', line: 11, column: 5 })
  assert.equal(inherits.absent, [{ partner: 'Segment', location: { file: 'm.yaml', line: 9, column: 12 } }])
  const [inheritsDev] = inherits.databases
  assert.is(inheritsDev.extra, 'warn')
  assert.equal(inheritsDev.absent.map((a) => a.partner), ['Segment'])
  assert.equal(inheritsDev.partners, [
    { partner: 'Fivetran', statuses: ['Active'], maxStatusAge: '7d', maxStatusAgeMs: 7 * 86_400_000, location: { file: 'm.yaml', line: 15, column: 13 } },
  ])

  // The role template of the defaults is filled with the cluster's own account.
  assert.equal(
    { accountId: overrides.accountId, region: overrides.region, assumeRole: overrides.assumeRole, extra: overrides.extra },
    { accountId: '222222222222', region: 'us-east-1', assumeRole: 'arn:aws:iam::222222222222:role/partner-drift-read', extra: 'ignore' },
  )
  assert.equal(overrides.absent, [
    { partner: 'Segment', location: { file: 'm.yaml', line: 9, column: 12 } },
    { partner: 'Stitch', location: { file: 'm.yaml', line: 22, column: 14 } },
  ])
  const [dev, other] = overrides.databases
  assert.equal({ database: dev.database, extra: dev.extra, location: dev.location }, { database: 'dev', extra: 'fail', location: { file: 'm.yaml', line: 24, column: 9 } })
  assert.equal(dev.absent.map((a) => [a.partner, a.location.line, a.location.column]), [
    ['Segment', 9, 12],
    ['Stitch', 22, 14],
    ['Hevo', 28, 18],
  ])
  assert.equal(
    dev.partners.map((p) => [p.partner, p.statuses, p.maxStatusAge, p.maxStatusAgeMs, p.location.line]),
    [
      ['Fivetran', ['Inactive'], '1d12h', 36 * 3_600_000, 30],
      ['Datacoral', ['RuntimeFailure', 'ConnectionFailure'], '30m', 30 * 60_000, 31],
    ],
  )
  // Settings of the cluster reach the partners of a database that sets nothing itself.
  assert.equal({ database: other.database, extra: other.extra }, { database: 'other', extra: 'ignore' })
  assert.equal(other.absent.map((a) => a.partner), ['Segment', 'Stitch'])
  assert.equal(
    other.partners.map((p) => [p.partner, p.statuses, p.maxStatusAge, p.maxStatusAgeMs]),
    [['Airbyte', ['Active', 'Inactive'], '12h', 12 * 3_600_000]],
  )
})

loader('built-in defaults: status Active, extra fail, no maxStatusAge, no role', () => {
  const [cluster] = desiredFrom(
    yamlLines('version: 1', 'clusters:', '  - cluster: a', '    accountId: "123456789012"', '    region: eu-west-1', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran'),
  ).clusters
  assert.is(cluster.extra, 'fail')
  assert.is(cluster.assumeRole, undefined)
  assert.equal(cluster.absent, [])
  assert.equal(cluster.databases[0].partners[0].statuses, ['Active'])
  assert.is(cluster.databases[0].partners[0].maxStatusAgeMs, undefined)
})

loader('a cluster without databases is declared, with nothing expected on it', () => {
  const desired = desiredFrom(yamlLines(...HEAD, '  - cluster: empty'))
  assert.equal(desired.clusters.map((c) => [c.cluster, c.databases]), [['empty', []]])
})

loader('the same cluster name in another account or region is another cluster', () => {
  const desired = desiredFrom(
    yamlLines(...HEAD, '  - cluster: analytics', '  - cluster: analytics', '    accountId: "210987654321"', '  - cluster: analytics', '    region: us-east-1'),
  )
  assert.equal(
    desired.clusters.map((c) => `${c.accountId}/${c.region}/${c.cluster}`),
    ['123456789012/eu-west-1/analytics', '210987654321/eu-west-1/analytics', '123456789012/us-east-1/analytics'],
  )
})

loader('database names are Unicode letters, digits, _, @, $ and #', () => {
  const desired = desiredFrom(yamlLines(...HEAD, '  - cluster: a', '    databases:', '      - database: données_2024', '      - database: _tmp$x#1@y'))
  assert.equal(desired.clusters[0].databases.map((d) => d.database), ['données_2024', '_tmp$x#1@y'])
})

loader('a file that does not exist is one located diagnostic, not an exception', async () => {
  const { desired, diagnostics } = await loadManifest(`${FIXTURES}no-such-manifest.yaml`)
  assert.is(desired, undefined)
  assert.equal(located(diagnostics), [{ code: 'read', path: '', line: 1, column: 1 }])
  assert.match(diagnostics[0].message, /no such file/)
})

loader.run()

interface BadManifest {
  name: string
  yaml: string
  errors: Array<{ code: string; path: string; line: number; column: number; message?: RegExp; hint?: RegExp }>
}

/** ESLint RuleTester style: each bad manifest with exactly the diagnostics it must produce, in order. */
const BAD_MANIFESTS: BadManifest[] = [
  {
    name: 'unknown key, with a did-you-mean hint',
    yaml: yamlLines('version: 1', 'defaults:', '  acountId: "123456789012"', '  region: eu-west-1', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.acountId', line: 3, column: 3, message: /unknown key "acountId"/, hint: /did you mean "accountId"\?/ }],
  },
  {
    name: 'unknown key in a partner entry',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '            staus: Active'),
    errors: [{ code: 'schema', path: `${PARTNER}.staus`, line: 11, column: 13, hint: /did you mean "status"\?/ }],
  },
  {
    name: 'missing required key at the top',
    yaml: yamlLines('version: 1'),
    errors: [{ code: 'schema', path: '', line: 1, column: 1, message: /missing required key "clusters"/ }],
  },
  {
    name: 'missing required key in a partner entry',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '    databases:', '      - database: dev', '        partners:', '          - status: Active'),
    errors: [{ code: 'schema', path: PARTNER, line: 10, column: 13, message: /missing required key "partner"/ }],
  },
  {
    name: 'a typo of a known status, with a did-you-mean hint',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '            status: Actve'),
    errors: [{ code: 'unknown-status', path: `${PARTNER}.status`, line: 11, column: 21, message: /"Actve" is not a known status/, hint: /did you mean "Active"\?/ }],
  },
  {
    name: 'status list with a mistyped item points at the item',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '            status: [Active, inactive]'),
    errors: [{ code: 'unknown-status', path: `${PARTNER}.status[1]`, line: 11, column: 30, message: /"inactive" is not a known status/, hint: /did you mean "Inactive"\?/ }],
  },
  {
    name: 'empty status list',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '            status: []'),
    errors: [{ code: 'schema', path: `${PARTNER}.status`, line: 11, column: 21, message: /at least 1/ }],
  },
  {
    name: 'accountId written as a number: one diagnostic, whose hint says to quote it',
    yaml: yamlLines('version: 1', 'defaults:', '  region: eu-west-1', 'clusters:', '  - cluster: analytics-prod', '    accountId: 123456789012'),
    errors: [{ code: 'schema', path: 'clusters[0].accountId', line: 6, column: 16, message: /must be a string/, hint: /quote it: "123456789012"/ }],
  },
  {
    name: 'accountId written as a number with a leading zero: the hint keeps the zero',
    yaml: yamlLines('version: 1', 'defaults:', '  accountId: 012345678901', '  region: eu-west-1', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.accountId', line: 3, column: 14, hint: /quote it: "012345678901"/ }],
  },
  {
    name: 'accountId of 11 digits',
    yaml: yamlLines('version: 1', 'defaults:', '  accountId: "12345678901"', '  region: eu-west-1', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.accountId', line: 3, column: 14, message: /"12345678901" is not valid/ }],
  },
  {
    name: 'cluster identifier with an underscore',
    yaml: yamlLines(...HEAD, '  - cluster: analytics_prod'),
    errors: [{ code: 'schema', path: 'clusters[0].cluster', line: 6, column: 14, message: /"analytics_prod" is not valid/ }],
  },
  {
    name: 'cluster identifier longer than 63',
    yaml: yamlLines(...HEAD, `  - cluster: ${'a'.repeat(64)}`),
    errors: [{ code: 'schema', path: 'clusters[0].cluster', line: 6, column: 14, message: /64 characters; must be at most 63/ }],
  },
  {
    name: 'database name of one character',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '    databases:', '      - database: d'),
    errors: [{ code: 'schema', path: 'clusters[0].databases[0].database', line: 8, column: 19, message: /"d" is not valid/ }],
  },
  {
    name: 'partner name with a space',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '    databases:', '      - database: dev', '        partners:', '          - partner: Five tran'),
    errors: [{ code: 'schema', path: `${PARTNER}.partner`, line: 10, column: 22, message: /"Five tran" is not valid/ }],
  },
  {
    name: 'bad maxStatusAge',
    yaml: yamlLines(...HEAD.slice(0, 4), '  maxStatusAge: 7days', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.maxStatusAge', line: 5, column: 17, message: /"7days" is not valid/, hint: /7d/ }],
  },
  {
    name: 'bad extra lists the allowed values',
    yaml: yamlLines(...HEAD.slice(0, 4), '  extra: warning', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.extra', line: 5, column: 10, message: /"warning" is not allowed; must be one of: fail, warn, ignore/ }],
  },
  {
    name: 'repeated partner in absent',
    yaml: yamlLines(...HEAD.slice(0, 4), '  absent: [Segment, Stitch, Segment]', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.absent[2]', line: 5, column: 29, message: /items 0 and 2 are the same/ }],
  },
  {
    name: 'assumeRole that is not a role ARN',
    yaml: yamlLines(...HEAD.slice(0, 4), '  assumeRole: partner-drift-read', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'defaults.assumeRole', line: 5, column: 15 }],
  },
  {
    name: 'version 2',
    yaml: yamlLines('version: 2', ONE_CLUSTER),
    errors: [{ code: 'schema', path: 'version', line: 1, column: 10, message: /must be 1, not 2/ }],
  },
  {
    name: 'clusters written as a mapping',
    yaml: yamlLines('version: 1', 'clusters:', '  analytics-prod: {}'),
    errors: [{ code: 'schema', path: 'clusters', line: 3, column: 3, message: /must be a list/ }],
  },
  {
    name: 'YAML syntax error (nested mapping on one line); nothing else is checked',
    yaml: yamlLines('version: 1', 'defaults:', '  region: eu-west-1: x', ONE_CLUSTER),
    errors: [{ code: 'yaml-block-as-implicit-key', path: '', line: 3, column: 11 }],
  },
  {
    name: 'YAML syntax error (tab as indentation)',
    yaml: yamlLines('version: 1', 'defaults:', '\tregion: eu-west-1', ONE_CLUSTER),
    errors: [{ code: 'yaml-tab-as-indent', path: '', line: 3, column: 1, hint: /spaces/ }],
  },
  {
    name: 'duplicate YAML key points at the repeated key',
    yaml: yamlLines('version: 1', 'defaults:', '  region: eu-west-1', '  region: us-east-1', ONE_CLUSTER),
    errors: [{ code: 'yaml-duplicate-key', path: 'defaults.region', line: 4, column: 3, message: /"region" appears twice/ }],
  },
  {
    name: 'duplicate YAML key inside a list item has the item in its path',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '            partner: Stitch'),
    errors: [{ code: 'yaml-duplicate-key', path: `${PARTNER}.partner`, line: 11, column: 13, message: /"partner" appears twice/ }],
  },
  {
    name: 'duplicate cluster names the first location',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '  - cluster: analytics-prod'),
    errors: [{ code: 'duplicate-cluster', path: 'clusters[1].cluster', line: 7, column: 14, message: /first at m\.yaml:6:5/ }],
  },
  {
    name: 'duplicate database names the first location',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '    databases:', '      - database: dev', '      - database: dev'),
    errors: [{ code: 'duplicate-database', path: 'clusters[0].databases[1].database', line: 9, column: 19, message: /first at m\.yaml:8:9/ }],
  },
  {
    name: 'duplicate partner names the first location',
    yaml: yamlLines(...HEAD, ...FIVETRAN_ON_DEV, '          - partner: Fivetran'),
    errors: [{ code: 'duplicate-partner', path: 'clusters[0].databases[0].partners[1].partner', line: 11, column: 22, message: /first at m\.yaml:10:13/ }],
  },
  {
    // Past a few partners, duplicates are looked for in a map: both ways must name the first entry, every time.
    name: 'duplicate partners in a long list name their first locations',
    yaml: yamlLines(
      ...HEAD,
      ...FIVETRAN_ON_DEV,
      ...['Stitch', 'Hevo', 'Matillion', 'Segment', 'Census', 'Hightouch', 'Rudderstack', 'Airbyte', 'Stitch', 'Fivetran', 'Hevo'].map((p) => `          - partner: ${p}`),
    ),
    errors: [
      { code: 'duplicate-partner', path: 'clusters[0].databases[0].partners[9].partner', line: 19, column: 22, message: /first at m\.yaml:11:13/ },
      { code: 'duplicate-partner', path: 'clusters[0].databases[0].partners[10].partner', line: 20, column: 22, message: /first at m\.yaml:10:13/ },
      { code: 'duplicate-partner', path: 'clusters[0].databases[0].partners[11].partner', line: 21, column: 22, message: /first at m\.yaml:12:13/ },
    ],
  },
  {
    name: 'partner both expected and absent on the database',
    yaml: yamlLines(...HEAD, '  - cluster: analytics-prod', '    databases:', '      - database: dev', '        absent: [Fivetran]', '        partners:', '          - partner: Fivetran'),
    errors: [{ code: 'expected-and-absent', path: `${PARTNER}.partner`, line: 11, column: 22, message: /absent at m\.yaml:9:18/ }],
  },
  {
    name: 'partner expected on a database and absent in the defaults',
    yaml: yamlLines(...HEAD.slice(0, 4), '  absent: [Fivetran]', 'clusters:', ...FIVETRAN_ON_DEV),
    errors: [{ code: 'expected-and-absent', path: `${PARTNER}.partner`, line: 11, column: 22, message: /absent at m\.yaml:5:12/ }],
  },
  {
    name: 'missing accountId with no default',
    yaml: yamlLines('version: 1', 'clusters:', '  - cluster: analytics-prod', '    region: eu-west-1'),
    errors: [{ code: 'missing-account', path: 'clusters[0]', line: 3, column: 5, hint: /defaults\.accountId/ }],
  },
  {
    name: 'missing region with no default',
    yaml: yamlLines('version: 1', 'clusters:', '  - cluster: analytics-prod', '    accountId: "123456789012"'),
    errors: [{ code: 'missing-region', path: 'clusters[0]', line: 3, column: 5, hint: /defaults\.region/ }],
  },
]

const bad = suite('manifest :: bad manifests')

for (const row of BAD_MANIFESTS) {
  bad(row.name, () => {
    const { desired, diagnostics } = resolveManifest(parseDocumentText(row.yaml, 'm.yaml'))
    assert.is(desired, undefined, 'a manifest with problems yields no desired state')
    assert.equal(
      located(diagnostics),
      row.errors.map(({ code, path, line, column }) => ({ code, path, line, column })),
    )
    row.errors.forEach((expected, i) => {
      assert.is(diagnostics[i].file, 'm.yaml')
      assert.is(diagnostics[i].severity, 'error')
      if (expected.message) assert.match(diagnostics[i].message, expected.message)
      if (expected.hint) assert.match(diagnostics[i].hint ?? '', expected.hint)
    })
  })
}

bad('five different mistakes are five diagnostics, in file order', async () => {
  const file = `${FIXTURES}five-mistakes.yaml`
  const { desired, diagnostics } = await loadManifest(file)
  assert.is(desired, undefined)
  assert.equal(located(diagnostics), [
    { code: 'schema', path: 'defaults.extras', line: 6, column: 3 },
    { code: 'schema', path: 'clusters[0].accountId', line: 9, column: 16 },
    { code: 'unknown-status', path: `${PARTNER}.status`, line: 15, column: 21 },
    { code: 'duplicate-partner', path: 'clusters[0].databases[0].partners[1].partner', line: 16, column: 22 },
    { code: 'expected-and-absent', path: 'clusters[0].databases[0].partners[2].partner', line: 17, column: 22 },
  ])
  assert.ok(diagnostics.every((d) => d.file === file))
})

bad.run()

const limits = suite('manifest :: hostile and large input')

limits('an alias bomb is refused quickly with a diagnostic', () => {
  // Ten levels of nine aliases each: 9^10 strings if expanded.
  const levels = ['lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
  for (let i = 1; i < 10; i++) levels.push(`lol${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`)
  const started = performance.now()
  const { desired, diagnostics } = resolveManifest(parseDocumentText(yamlLines('version: 1', 'clusters: []', ...levels), 'bomb.yaml'))
  assert.ok(performance.now() - started < 2000, 'no hang')
  assert.is(desired, undefined)
  assert.equal(located(diagnostics), [{ code: 'yaml-alias-limit', path: '', line: 1, column: 1 }])
  assert.match(diagnostics[0].hint ?? '', /alias/)
})

limits('aliases used in moderation are fine', () => {
  const desired = desiredFrom(
    yamlLines(
      'version: 1',
      'defaults: {accountId: "123456789012", region: eu-west-1}',
      'clusters:',
      '  - cluster: a',
      '    databases: &dbs',
      '      - database: dev',
      '        partners: [{partner: Fivetran}]',
      '  - cluster: b',
      '    databases: *dbs',
    ),
  )
  assert.equal(desired.clusters.map((c) => c.databases[0].partners[0].partner), ['Fivetran', 'Fivetran'])
})

limits('a file over the size limit is refused before it is read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-manifest-'))
  try {
    const file = join(dir, 'huge.yaml')
    await writeFile(file, 'version: 1\n')
    await truncate(file, MAX_INPUT_BYTES + 1) // sparse: costs no disk and no memory
    const started = performance.now()
    const { desired, diagnostics } = await loadManifest(file)
    assert.ok(performance.now() - started < 1000, 'refused without parsing')
    assert.is(desired, undefined)
    assert.equal(located(diagnostics), [{ code: 'read', path: '', line: 1, column: 1 }])
    assert.match(diagnostics[0].message, new RegExp(`${MAX_INPUT_BYTES + 1} bytes; the limit is ${MAX_INPUT_BYTES}`))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

limits('a large valid manifest (5,000 clusters) loads in reasonable time', () => {
  const lines = [...HEAD]
  for (let i = 0; i < 5000; i++) lines.push(`  - cluster: c${i}`, '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran', '          - partner: Stitch')
  const started = performance.now()
  const desired = desiredFrom(yamlLines(...lines))
  assert.ok(performance.now() - started < 5000, `took ${Math.round(performance.now() - started)} ms`)
  assert.is(desired.clusters.length, 5000)
  assert.equal(desired.clusters[4999].location, { file: 'm.yaml', line: 6 + 4999 * 6, column: 5 })
  assert.equal(desired.clusters[4999].databases[0].partners[1].location, { file: 'm.yaml', line: 11 + 4999 * 6, column: 13 })
})

limits.run()
