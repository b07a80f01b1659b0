/** Rules over discovered clusters: which clusters a rule selects, and how expectations combine. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'

import { applyRules, ruleSelects } from '../src/discover/apply-rules.js'
import type { DesiredCluster, DesiredDatabase, DesiredDiscovery, DesiredRule, DesiredState, ExpectedPartner } from '../src/manifest/desired-state.js'
import type { DiscoveredCluster } from '../src/model/discovery.js'

const at = (line: number) => ({ file: 'm.yaml', line, column: 5 })
const partner = (name: string, line: number, statuses = ['Active']): ExpectedPartner => ({ partner: name, statuses, location: at(line) })
const database = (name: string, partners: ExpectedPartner[], line = 1): DesiredDatabase => ({ database: name, location: at(line), extra: 'fail', partners, absent: [] })

function rule(name: string, match: Partial<DesiredRule['match']>, body: Partial<DesiredRule> = {}): DesiredRule {
  return { name, location: at(100), match: { accountId: [], region: [], cluster: [], tags: [], ...match }, extra: 'fail', absent: [], databases: [], policy: {}, ...body }
}

function found(cluster: string, tags: Record<string, string> = {}, accountId = '111122223333', region = 'eu-west-1'): DiscoveredCluster {
  return { accountId, region, cluster, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }
}

function discoveryWith(rules: DesiredRule[]): DesiredDiscovery {
  return {
    settings: { accounts: ['111122223333'], regions: ['eu-west-1'], assumeRole: 'arn:aws:iam::{accountId}:role/read', location: at(2) },
    rules,
    unmanaged: 'warn',
    defaultAbsent: [{ partner: 'Segment', location: at(3) }],
    policy: {},
  }
}

const desired = (clusters: DesiredCluster[] = []): DesiredState => ({ file: 'm.yaml', clusters, exceptions: [] })

test('a rule selects by account, region, cluster and tags, every given condition holding', () => {
  const prod = rule('prod', { region: ['eu-*'], cluster: ['analytics-*'], tags: [{ key: 'env', values: ['prod'] }, { key: 'team', values: ['data*'] }] })
  assert.ok(ruleSelects(prod, found('analytics-1', { env: 'prod', team: 'data-eng' })))
  assert.not.ok(ruleSelects(prod, found('analytics-1', { env: 'prod' })), 'a tag condition without the tag')
  assert.not.ok(ruleSelects(prod, found('analytics-1', { env: 'dev', team: 'data' })), 'a tag value no glob matches')
  assert.not.ok(ruleSelects(prod, found('sales-1', { env: 'prod', team: 'data' })), 'the cluster glob')
  assert.not.ok(ruleSelects(prod, found('analytics-1', { env: 'prod', team: 'data' }, '111122223333', 'us-east-1')), 'the region glob')
  assert.not.ok(ruleSelects(prod, found('analytics-1', { Env: 'prod', team: 'data' })), 'tag keys are exact')
  assert.ok(ruleSelects(rule('all', {}), found('anything')), 'match: {} selects every discovered cluster')
  assert.ok(ruleSelects(rule('two', { accountId: ['999*', '1111*'] }), found('x')), 'a list holds when any glob does')
  assert.ok(ruleSelects(rule('proto', { tags: [{ key: '__proto__', values: ['*'] }] }), found('x', { ['__proto__']: 'y' })), 'any key, even __proto__')
})

test('a discovered cluster gets every selecting rule and its entry, combined; nothing covers -> unmanaged', () => {
  const fivetran = rule('prod gets Fivetran', { tags: [{ key: 'env', values: ['prod'] }] }, { databases: [database('dev', [partner('Fivetran', 10)])] })
  const etleap = rule('sales', { cluster: ['sales-*'] }, { databases: [database('dev', [partner('Etleap', 20)]), database('sales', [partner('Stitch', 21)])] })
  const unused = rule('nobody', { accountId: ['000000000000'] })
  const entry: DesiredCluster = {
    accountId: '111122223333', region: 'eu-west-1', cluster: 'sales-prod', location: at(30), extra: 'warn', absent: [], policy: {},
    databases: [database('dev', [partner('Hevo', 31)])],
  }
  const estate = applyRules(desired([entry]), discoveryWith([fivetran, etleap, unused]), [found('sales-prod', { env: 'prod' }), found('lonely'), found('analytics', { env: 'prod' })])

  assert.equal(estate.clusters.map((c) => [c.cluster, c.unmanaged ?? false]), [['sales-prod', false], ['analytics', false], ['lonely', true]])
  const sales = estate.clusters[0]!
  assert.equal(sales.databases.map((d) => [d.database, d.partners.map((p) => p.partner)]), [['dev', ['Hevo', 'Fivetran', 'Etleap']], ['sales', ['Stitch']]])
  assert.is(sales.extra, 'fail', 'the strictest extra of the contributors')
  assert.is(sales.location.line, 30, 'an entry keeps its own place')
  const analytics = estate.clusters[1]!
  assert.is(analytics.assumeRole, 'arn:aws:iam::111122223333:role/read')
  assert.is(analytics.location.line, 100, 'a cluster only rules cover is located at its first rule')
  const lonely = estate.clusters[2]!
  assert.is(lonely.extra, 'warn', 'unmanaged: warn')
  assert.equal(lonely.absent.map((a) => a.partner), ['Segment'], 'defaults.absent is forbidden everywhere')
  assert.equal(estate.unusedRules.map((r) => r.name), ['nobody'])
  assert.equal(estate.contradictions, [])
  assert.equal(estate.coverage.map((c) => [c.cluster, c.rules, c.entry]), [
    ['sales-prod', ['prod gets Fivetran', 'sales'], true],
    ['lonely', [], false],
    ['analytics', ['prod gets Fivetran'], false],
  ])
})

test('contradictions name both places and are never resolved by picking one', () => {
  const expects = rule('expects', {}, { databases: [database('dev', [partner('Segment', 10), partner('Fivetran', 11, ['Active'])])] })
  const forbids = rule('forbids', { cluster: ['a*'] }, { absent: [{ partner: 'Segment', location: at(20) }] })
  const otherStatus = rule('other status', { cluster: ['a*'] }, { databases: [database('dev', [partner('Fivetran', 30, ['Active', 'Inactive'])])] })
  const estate = applyRules(desired(), discoveryWith([expects, forbids, otherStatus]), [found('a1'), found('b1')])
  assert.equal(
    estate.contradictions.map((c) => [c.cluster, c.partner, c.locations.map((l) => l.line)]),
    [
      ['a1', 'Fivetran', [11, 30]],
      ['a1', 'Segment', [10, 20]],
    ],
  )
  assert.match(estate.contradictions[0]!.message, 'm.yaml:11:5 and m.yaml:30:5')
  assert.equal(estate.contradictions.filter((c) => c.cluster === 'b1'), [], 'b1 is selected by one rule only')
})

test('explicit entries that discovery did not find are still judged, first and in manifest order', () => {
  const entry: DesiredCluster = { accountId: '111122223333', region: 'eu-west-1', cluster: 'gone', location: at(5), extra: 'fail', absent: [], policy: {}, databases: [] }
  const estate = applyRules(desired([entry]), discoveryWith([]), [found('b'), found('a'), found('b')])
  assert.equal(estate.clusters.map((c) => c.cluster), ['gone', 'a', 'b'], 'a cluster listed twice is judged once')
  assert.is(estate.coverage.length, 2)
})

test.run()
