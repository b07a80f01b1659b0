/** What a manifest change declares differently (`expectationChanges`), and which discoveries one observation can serve. */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { expectationChanges } from '../src/review/expectation-changes.js'
import { sharedDiscovery } from '../src/review/run-review.js'
import { desiredFrom, yamlLines } from './helpers/cli.js'

const changes = suite('expectation changes')

const HEAD = 'head.yaml'
const BASE = 'main:base.yaml'
const summary = (base: string, head: string) =>
  expectationChanges(desiredFrom(base, BASE), desiredFrom(head, HEAD)).map((c) => [c.change, c.subject, c.cluster, c.database, c.partner ?? c.rule, c.before, c.after, `${c.location.file}:${c.location.line}:${c.location.column}`])

const manifest = (...body: string[]): string => yamlLines('version: 1', 'defaults: { accountId: "123456789012", region: eu-west-1 }', 'clusters:', ...body)
const CLUSTER = ['  - cluster: prod', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran']

changes('no change, no change listed', () => {
  assert.equal(summary(manifest(...CLUSTER), manifest(...CLUSTER)), [])
})

changes('status set and maxStatusAge: changed, in the head; status order does not matter', () => {
  const head = manifest(...CLUSTER, '            status: [Inactive, Active]', '            maxStatusAge: 7d')
  assert.equal(summary(manifest(...CLUSTER), head), [['changed', 'integration', 'prod', 'dev', 'Fivetran', 'status Active', 'status Active or Inactive, maxStatusAge 7d', 'head.yaml:8:13']])
  assert.equal(summary(manifest(...CLUSTER, '            status: [Active, Inactive]'), manifest(...CLUSTER, '            status: [Inactive, Active]')), [])
})

changes('an added partner is located in the head, a removed one in the base', () => {
  const two = manifest(...CLUSTER, '          - partner: Stitch')
  assert.equal(summary(manifest(...CLUSTER), two), [['added', 'integration', 'prod', 'dev', 'Stitch', undefined, 'status Active', 'head.yaml:9:13']])
  assert.equal(summary(two, manifest(...CLUSTER)), [['removed', 'integration', 'prod', 'dev', 'Stitch', 'status Active', undefined, 'main:base.yaml:9:13']])
})

changes('absent entries per cluster and per database; a defaults entry is one change whatever the number of clusters', () => {
  const base = manifest(...CLUSTER, '  - cluster: staging', '    databases: []')
  const head = base.replace('region: eu-west-1 }', 'region: eu-west-1, absent: [Segment] }').replace('      - database: dev\n', '      - database: dev\n        absent: [Stitch]\n')
  const listed = summary(base, head)
  assert.equal(listed.map((c) => [c[0], c[1], c[2], c[3], c[4]]), [
    ['added', 'absent', undefined, undefined, 'Segment'],
    ['added', 'absent', 'prod', 'dev', 'Stitch'],
  ])
})

changes('extra and policy of a cluster both declare', () => {
  const head = manifest('  - cluster: prod', '    extra: warn', '    policy: { stale: warn }', ...CLUSTER.slice(1))
  assert.equal(summary(manifest(...CLUSTER), head).map((c) => [c[0], c[1], c[5], c[6]]), [
    ['changed', 'extra', 'fail', 'warn'],
    ['changed', 'policy', 'stale: default', 'stale: warn'],
  ])
})

changes('a cluster that expects nothing is a change of its own; one with integrations is its integrations', () => {
  const head = manifest(...CLUSTER, '  - cluster: empty', '    databases: []')
  assert.equal(summary(manifest(...CLUSTER), head), [['added', 'cluster', 'empty', undefined, undefined, undefined, undefined, 'head.yaml:9:5']])
})

changes('each single difference of a cluster both declare is listed, whatever else stays the same', () => {
  const lines = ['  - cluster: prod', '    extra: fail', '    absent: [Segment]', '    databases:', '      - database: dev', '        extra: fail', '        absent: [Hevo]', '        partners:', '          - partner: Fivetran', '            status: [Active, Inactive]', '            maxStatusAge: 7d', '          - partner: Stitch']
  const base = manifest(...lines)
  const edits: Array<[string, string, string, string]> = [
    ['maxStatusAge', '            maxStatusAge: 7d', '            maxStatusAge: 8d', 'integration'],
    ['status', '            status: [Active, Inactive]', '            status: [Active, RuntimeFailure]', 'integration'],
    ['cluster extra', '    extra: fail', '    extra: warn', 'extra'],
    ['database extra', '        extra: fail', '        extra: warn', 'extra'],
    ['cluster absent', '    absent: [Segment]', '    absent: [Segment, Matillion]', 'absent'],
    ['database absent', '        absent: [Hevo]', '        absent: [Hevo, Matillion]', 'absent'],
    ['policy', '    extra: fail', '    extra: fail\n    policy: { stale: warn }', 'policy'],
    ['partner renamed', '          - partner: Stitch', '          - partner: Hightouch', 'integration'],
    ['database renamed', '      - database: dev', '      - database: sales', 'integration'],
  ]
  for (const [what, from, to, subject] of edits) {
    assert.ok(base.includes(from), what)
    const listed = summary(base, base.replace(from, to))
    assert.ok(listed.some((c) => c[1] === subject), `${what}: ${JSON.stringify(listed)}`)
  }
})

const DISCOVER = (accounts: string, rule: string) =>
  yamlLines('version: 1', 'defaults: { region: eu-west-1 }', `discover: { accounts: [${accounts}], regions: [eu-west-1] }`, 'rules:', `  - name: ${rule}`, '    match: { cluster: "analytics-*" }', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran')

changes('rules: added, removed and changed by name', () => {
  const base = DISCOVER('"111111111111"', 'analytics')
  assert.equal(summary(base, base.replace('Fivetran', 'Stitch')).map((c) => [c[0], c[1], c[4]]), [['changed', 'rule', 'analytics']])
  assert.equal(summary(base, DISCOVER('"111111111111"', 'renamed')).map((c) => [c[0], c[1], c[4], c[7]]), [
    ['added', 'rule', 'renamed', 'head.yaml:5:5'],
    ['removed', 'rule', 'analytics', 'main:base.yaml:5:5'],
  ])
})

changes.run()

const discovery = suite('one discovery for both')

discovery('listed accounts are joined; accounts in one and organization in the other is refused, located in the head', () => {
  const a = desiredFrom(DISCOVER('"111111111111"', 'r'), BASE)
  const b = desiredFrom(DISCOVER('"222222222222"', 'r'), HEAD)
  assert.equal(sharedDiscovery(a, b), { request: { accounts: ['222222222222', '111111111111'], regions: ['eu-west-1'] } })
  const org = desiredFrom(DISCOVER('"111111111111"', 'r').replace('accounts: ["111111111111"]', 'organization: {}'), HEAD)
  const refused = sharedDiscovery(a, org)
  assert.ok('diagnostic' in refused)
  if ('diagnostic' in refused) assert.equal([refused.diagnostic.code, refused.diagnostic.file, refused.diagnostic.line], ['review-discovery', HEAD, 3])
})

discovery.run()
