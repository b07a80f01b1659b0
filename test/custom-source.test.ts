/**
 * The outside example (examples/custom-source) used as a user would: packed with npm, installed
 * into a throwaway project (and, separately, with `partner-drift plugins install`), discovered
 * from there and run end to end against a local HTTP endpoint. Nothing in src/ knows about it.
 * Offline: npm installs a local tarball that has no dependencies.
 */
import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { runCli } from './helpers/cli.js'
import { ROOT, tempDir, writeJson } from './helpers/source-packages.js'

const run = promisify(execFile)
const NPM_OFFLINE = { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }

interface Finding {
  kind: string
  severity: string
  cluster: string
  database?: string
  partner?: string
  message: string
  cause?: { code: string; requestId?: string; hint?: string }
}

const ctx = { dir: '', project: '', elsewhere: '', tarball: '', url: '', server: undefined as Server | undefined, requests: [] as string[] }

const ACCOUNT = '123456789012'

/** What the endpoint serves: DescribePartners answers per cluster, and a few ways to fail. */
function handle(path: string, authorization: string | undefined): { status: number; body?: unknown; headers?: Record<string, string> } {
  switch (path) {
    case `/${ACCOUNT}/eu-west-1/analytics-prod`:
      return {
        status: 200,
        body: {
          PartnerIntegrationInfoList: [
            { DatabaseName: 'dev', PartnerName: 'Fivetran', Status: 'Active', StatusMessage: 'Sync OK', UpdatedAt: '2026-11-24T08:00:00Z' },
            { DatabaseName: 'dev', PartnerName: 'Segment', Status: 'Active' },
          ],
        },
      }
    case `/${ACCOUNT}/eu-west-1/broken`:
      return { status: 500, headers: { 'x-request-id': 'req-5c1e' } }
    case `/${ACCOUNT}/eu-west-1/secured`:
      return authorization === 'Bearer s3cret' ? { status: 200, body: { PartnerIntegrationInfoList: [] } } : { status: 401 }
    default:
      return { status: 404 }
  }
}

function manifest(clusters: string[]): string {
  return ['version: 1', `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`, 'clusters:', ...clusters, ''].join('\n')
}

const DRIFT = manifest([
  '  - cluster: analytics-prod',
  '    absent: [Segment]',
  '    databases: [{ database: dev, partners: [{ partner: Fivetran }] }]',
  '  - cluster: gone',
  '    databases: [{ database: dev, partners: [{ partner: Stitch }] }]',
])
const IN_SYNC = manifest(['  - cluster: analytics-prod', '    databases: [{ database: dev, partners: [{ partner: Fivetran }, { partner: Segment }] }]'])
const FAILING = manifest(['  - cluster: broken', '    databases: []', '  - cluster: secured', '    databases: []'])

async function check(manifestText: string, args: string[] = [], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const cwd = options.cwd ?? ctx.project
  const file = join(cwd, `m-${Math.random().toString(36).slice(2)}.yaml`)
  await writeFile(file, manifestText)
  const result = await runCli(['check', file, '--source', `http:${ctx.url}`, '--format', 'json', ...args], { cwd, env: options.env })
  return { ...result, findings: result.stdout ? ((JSON.parse(result.stdout) as { findings: Finding[] }).findings) : [] }
}

const example = suite('custom source :: the example package, installed from its tarball')

example.before(async () => {
  ctx.dir = await tempDir('custom-source')
  const packed = await run('npm', ['pack', join(ROOT, 'examples/custom-source'), '--pack-destination', ctx.dir, '--ignore-scripts', '--json'], { env: { ...process.env, ...NPM_OFFLINE } })
  ctx.tarball = join(ctx.dir, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename)
  ctx.project = join(ctx.dir, 'project')
  await mkdir(ctx.project)
  await writeJson(join(ctx.project, 'package.json'), { name: 'pipelines', version: '1.0.0', private: true })
  await run('npm', ['install', '--ignore-scripts', '--no-package-lock', ctx.tarball], { cwd: ctx.project, env: { ...process.env, ...NPM_OFFLINE } })
  // The project also depends on partner-drift itself, which is no source; linked, as `npm link partner-drift` would.
  const pkg = JSON.parse(await readFile(join(ctx.project, 'package.json'), 'utf8')) as Record<string, Record<string, string>>
  await writeJson(join(ctx.project, 'package.json'), { ...pkg, devDependencies: { 'partner-drift': '^0.1.0' } })
  await symlink(ROOT, join(ctx.project, 'node_modules', 'partner-drift'), 'dir')
  ctx.elsewhere = join(ctx.dir, 'elsewhere')
  await mkdir(ctx.elsewhere)

  ctx.server = createServer((request, response) => {
    ctx.requests.push(`${request.method} ${request.url}`)
    const answer = handle(request.url ?? '', request.headers.authorization)
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => ctx.server!.listen(0, '127.0.0.1', resolve))
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`
})

example.after(async () => {
  await new Promise((resolve) => ctx.server?.close(resolve))
})

example('npm installed the packed package, not a link to the repository', async () => {
  const installed = await readdir(join(ctx.project, 'node_modules', 'partner-drift-source-http'))
  assert.equal(installed.sort(), ['README.md', 'index.js', 'package.json'])
  const pkg = JSON.parse(await readFile(join(ctx.project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  assert.match(pkg.dependencies['partner-drift-source-http'], /^file:.*\.tgz$/)
})

example('drift end to end: one GET per cluster, findings from the answers, a 404 is a missing cluster (exit 2)', async () => {
  ctx.requests.length = 0
  const result = await check(DRIFT)
  assert.is(result.code, 2, result.stderr)
  assert.equal(
    result.findings.map((f) => [f.kind, f.cluster, f.database, f.partner, f.cause?.code]),
    [
      ['forbidden', 'analytics-prod', 'dev', 'Segment', undefined],
      ['missing', 'gone', 'dev', 'Stitch', 'ClusterNotFound'],
    ],
  )
  assert.equal(ctx.requests.sort(), [`GET /${ACCOUNT}/eu-west-1/analytics-prod`, `GET /${ACCOUNT}/eu-west-1/gone`])
})

example('in sync (exit 0)', async () => {
  const result = await check(IN_SYNC)
  assert.is(result.code, 0, result.stderr)
  assert.equal(result.findings, [])
})

example('HTTP errors are error findings with the status as code, never in sync (exit 1); the token comes from the environment', async () => {
  const wrong = await check(FAILING, ['--source-option', 'tokenEnv=PIPELINES_TOKEN'], { env: { PIPELINES_TOKEN: 'guess' } })
  assert.is(wrong.code, 1)
  assert.equal(
    wrong.findings.map((f) => [f.kind, f.cluster, f.cause?.code, f.cause?.requestId]),
    [
      ['error', 'broken', 'HTTP500', 'req-5c1e'],
      ['error', 'secured', 'HTTP401', undefined],
    ],
  )
  assert.match(wrong.findings[1].cause?.hint ?? '', 'check the token')
  const right = await check(FAILING, ['--source-option', 'tokenEnv=PIPELINES_TOKEN'], { env: { PIPELINES_TOKEN: 's3cret' } })
  assert.equal(right.findings.map((f) => [f.cluster, f.cause?.code]), [['broken', 'HTTP500']])
  const unset = await check(FAILING, ['--source-option', 'tokenEnv=PIPELINES_TOKEN'])
  // A source that cannot open is one error of the run, before any cluster: no report, the cause on stderr.
  assert.is(unset.code, 1)
  assert.is(unset.stdout, '')
  assert.match(unset.stderr, 'Error: source "http" could not open: SourceError: environment variable PIPELINES_TOKEN is not set')
})

example('its options are checked against its own schema before it runs', async () => {
  await writeFile(join(ctx.project, 'partner-drift.yaml'), IN_SYNC)
  const result = await runCli(['check', '--source', 'http:ftp://example.com'], { cwd: ctx.project })
  assert.is(result.code, 1)
  assert.match(result.stderr, 'Error: invalid options for source "http":\n  --source http: url: "ftp://example.com" is not valid (must match ^https?://)')
})

example('partner-drift sources lists it, with its package as origin', async () => {
  const text = await runCli(['sources'], { cwd: ctx.project })
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, '\nhttp 1.0.0 (partner-drift-source-http@1.0.0, dependency, contract 1.0)\n  Partner integrations served as JSON by an HTTP endpoint, one GET per cluster\n  usage: --source http:URL\n')
  const json = await runCli(['sources', '--json'], { cwd: ctx.project })
  const http = (JSON.parse(json.stdout) as { sources: Array<Record<string, any>> }).sources.filter((s) => s.name === 'http')
  assert.equal(http.map((s) => [s.origin, s.version, s.contractVersion, s.package.installedAs]), [['partner-drift-source-http', '1.0.0', '1.0', 'dependency']])
  assert.equal(http[0].options.map((o: { name: string; required: boolean; shorthand: boolean }) => [o.name, o.required, o.shorthand]), [
    ['url', true, true],
    ['tokenEnv', false, false],
  ])
})

example('outside the project that depends on it, it does not exist', async () => {
  const result = await check(IN_SYNC, [], { cwd: ctx.elsewhere })
  assert.is(result.code, 1)
  assert.match(result.stderr, 'Error: unknown source "http"; available: aws, snapshot, tfstate')
})

example('nothing in src/ names it', async () => {
  const files = (await readdir(join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'))
  assert.ok(files.length > 10)
  for (const file of files) {
    const text = await readFile(join(ROOT, 'src', file), 'utf8')
    assert.not.match(text, /partner-drift-source-http|custom-source/, file)
  }
})

example('installed as a partner-drift plugin (partner-drift plugins install), it is found from any directory', async () => {
  const xdg = join(ctx.dir, 'xdg')
  const env = { XDG_DATA_HOME: join(xdg, 'data'), XDG_CACHE_HOME: join(xdg, 'cache'), XDG_CONFIG_HOME: join(xdg, 'config'), ...NPM_OFFLINE }
  const installed = await runCli(['plugins', 'install', `file:${ctx.tarball}`], { cwd: ctx.elsewhere, env })
  assert.is(installed.code, 0, installed.stderr)
  const listed = await runCli(['sources', '--json'], { cwd: ctx.elsewhere, env })
  const http = (JSON.parse(listed.stdout) as { sources: Array<Record<string, any>> }).sources.filter((s) => s.name === 'http')
  assert.equal(http.map((s) => [s.origin, s.package.installedAs, s.package.root.startsWith(join(xdg, 'data'))]), [['partner-drift-source-http', 'plugin', true]])
  const result = await check(DRIFT, [], { cwd: ctx.elsewhere, env })
  assert.is(result.code, 2, result.stderr)
  assert.is(result.findings.length, 2)
  // With the plugin installed too, the project's own copy is used, and there is no name clash.
  const inProject = await runCli(['sources', '--json'], { cwd: ctx.project, env })
  const both = (JSON.parse(inProject.stdout) as { sources: Array<Record<string, any>> }).sources.filter((s) => s.name === 'http')
  assert.equal(both.map((s) => s.package.installedAs), ['dependency'])
})

example('plugins install takes a plain path, relative to where it runs: a tarball and a package directory, never a GitHub lookup', async () => {
  for (const [label, cwd, path] of [
    ['tarball', ctx.dir, `./${basename(ctx.tarball)}`],
    ['directory', ROOT, './examples/custom-source'],
  ] as const) {
    const xdg = join(ctx.dir, `xdg-plain-${label}`)
    const env = { XDG_DATA_HOME: join(xdg, 'data'), XDG_CACHE_HOME: join(xdg, 'cache'), XDG_CONFIG_HOME: join(xdg, 'config'), ...NPM_OFFLINE }
    // Without the rewrite, plugin-plugins reads `./x.tgz` as a GitHub repository and waits on github.com until npm gives up.
    const installed = await runCli(['plugins', 'install', path], { cwd, env, timeoutMs: 30_000 })
    assert.is(installed.code, 0, `${label}: ${installed.stderr}`)
    assert.match(installed.stderr, `Installing plugin file:${join(cwd, path)}`, label)
    const listed = await runCli(['sources', '--json'], { cwd: ctx.elsewhere, env })
    const http = (JSON.parse(listed.stdout) as { sources: Array<Record<string, any>> }).sources.filter((s) => s.name === 'http')
    assert.equal(http.map((s) => [s.package.name, s.package.installedAs]), [['partner-drift-source-http', 'plugin']], label)
  }
})

example.run()
