/**
 * Fuzz :: DescribePartners answers over HTTP to the real AWS SDK (the aws source, in-process).
 *  - The wire-faithful test server answers with generated integration items: arbitrary names,
 *    statuses and status messages with control characters, duplicates, odd timestamps; errors;
 *    unknown clusters (ClusterNotFound); broken XML.
 *  - A raw endpoint answers HTTP 200 with bodies that are not DescribePartners responses (empty,
 *    a captive-portal page, another root element, a Result with no list, truncated XML, JSON),
 *    among valid ones: only a well-formed response (an empty list included) is an observation.
 * Each case costs HTTP round trips, so these targets run `runsFor(0.3)` cases.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import fc from 'fast-check'
import { suite } from 'uvu'

import { type RedshiftTestServer, startRedshiftServer } from '../helpers/redshift-server.js'
import { tempDir } from '../helpers/source-packages.js'
import { assertExitCode, assertOutputsClean, checkInProcess, describeInputs, fuzzParameters, runsFor } from './helpers/harness.js'
import { type CaseModel, caseArbitrary, type ClusterModel, expectedExitCodes, type ItemModel, manifestText, resolvedIdentity, wireItem } from './helpers/model.js'

interface Context {
  dir: string
  server: RedshiftTestServer
  raw: Server
  rawUrl: string
  /** The raw endpoint's answer per ClusterIdentifier. */
  bodies: Map<string, string>
  savedEnv: NodeJS.ProcessEnv
}

const test = suite<Context>('fuzz :: DescribePartners answers')

/** The SDK reads credentials from the process environment; static test ones, restored afterwards. */
const TEST_ENV: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: 'AKIDPARTNERDRIFTTEST',
  AWS_SECRET_ACCESS_KEY: 'partner-drift-test-secret',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/partner-drift-fuzz-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/partner-drift-fuzz-credentials',
}

test.before(async (ctx) => {
  ctx.dir = await tempDir('fuzz-aws')
  ctx.server = await startRedshiftServer()
  ctx.bodies = new Map()
  ctx.raw = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const cluster = new URLSearchParams(body).get('ClusterIdentifier') ?? ''
      const answer = Buffer.from(ctx.bodies.get(cluster) ?? '', 'utf8')
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': String(answer.length), 'x-amzn-RequestId': 'fuzz-0000' })
      res.end(answer)
    })
  })
  await new Promise<void>((resolve) => ctx.raw.listen(0, '127.0.0.1', resolve))
  ctx.rawUrl = `http://127.0.0.1:${(ctx.raw.address() as AddressInfo).port}`
  ctx.savedEnv = {}
  for (const [name, value] of Object.entries(TEST_ENV)) {
    ctx.savedEnv[name] = process.env[name]
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

test.after(async (ctx) => {
  for (const [name, value] of Object.entries(ctx.savedEnv)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await ctx.server.close()
  ctx.raw.closeAllConnections()
  await new Promise((resolve) => ctx.raw.close(resolve))
})

/** XML 1.0 cannot carry these even escaped: an answer holding them may be refused by the SDK (exit 1) or read as sent. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const wire = wireItem

const FAST = ['retryDelayScale=0.01', 'maxAttempts=1', 'requestTimeoutMs=5000']

async function checkLive(ctx: Context, model: CaseModel, endpoint: string, render: boolean, extra: string) {
  const manifest = join(ctx.dir, 'partner-drift.yaml')
  const text = manifestText(model)
  await writeFile(manifest, text)
  const context = `${extra}\n${describeInputs({ 'partner-drift.yaml': text })}`
  const before = Date.now()
  const run = await checkInProcess(
    { manifest, source: 'aws', sourceOptions: [`endpointUrl=${endpoint}`, ...FAST], concurrency: 4, cwd: ctx.dir, ...(model.failOn ? { policy: { failOn: model.failOn } } : {}) },
    { context, render, limitMs: 20_000 },
  )
  return { run, context, observedBetween: [before, Date.now()] as const }
}

/** The live run observes "now": the case's timestamps are generated around the current time. */
const liveCase = caseArbitrary({ observedAtMs: () => Date.now() })

function serve(server: RedshiftTestServer, model: CaseModel): void {
  server.reset()
  for (const c of model.clusters) {
    const id = resolvedIdentity(model, c)
    const obs = c.observation
    if (obs.kind === 'observed') server.setCluster({ ...id, integrations: obs.items.map(wire) })
    else if (obs.kind === 'error') server.setBehaviour(id, { error: { code: obs.code.replace(/[^A-Za-z]/g, '') || 'InternalFailure', message: obs.message } })
    // `nothing`: the endpoint answers 200 with broken XML, which observes nothing.
    else if (obs.kind === 'nothing') server.setBehaviour(id, { malformed: true })
    // `not-found`: an unregistered cluster is ClusterNotFound.
  }
}

/** Exit codes allowed for a live case: observed at any instant of the run; refusing XML 1.0's forbidden characters is allowed too. */
function liveVerdict(model: CaseModel, [from, to]: readonly [number, number]): Set<number> {
  const codes = new Set<number>([...expectedExitCodes(model, () => from).exitCodes, ...expectedExitCodes(model, () => to).exitCodes])
  const illegal = model.clusters.some((c) => c.observation.kind === 'observed' && c.observation.items.some((i) => NOT_XML.test(JSON.stringify(wire(i)).replace(/\\u[0-9a-f]{4}/g, (e) => JSON.parse(`"${e}"`)))))
  if (illegal) codes.add(1)
  // The API's DatabaseName, PartnerName and Status are never blank: the aws source refuses an answer
  // with a blank one (InvalidResponse), where the snapshot reads it as written.
  const blank = model.clusters.some((c) => c.observation.kind === 'observed' && c.observation.items.some((i) => [i.database, i.partner, i.status].some((v) => v.trim() === '')))
  if (blank) codes.add(1)
  return codes
}

test('fuzz :: DescribePartners answers :: generated items through the SDK: exit code as judged', async (ctx) => {
  await fc.assert(
    fc.asyncProperty(liveCase, async (model) => {
      serve(ctx.server, model)
      const { run, context, observedBetween } = await checkLive(ctx, model, ctx.server.url, false, 'test server')
      assertExitCode(run.exitCode, liveVerdict(model, observedBetween), context)
    }),
    fuzzParameters(runsFor(0.3, 5)),
  )
})

test('fuzz :: DescribePartners answers :: generated items through the SDK: no renderer throws, nothing raw in any format', async (ctx) => {
  await fc.assert(
    fc.asyncProperty(liveCase, async (model) => {
      serve(ctx.server, model)
      const { run, context } = await checkLive(ctx, model, ctx.server.url, true, 'test server')
      assertOutputsClean(run, context)
    }),
    fuzzParameters(runsFor(0.3, 5)),
  )
})

// ------------------------------------------------------------------------------ odd 200 answers

const XMLNS = 'http://redshift.amazonaws.com/doc/2012-12-01/'
const xmlEscape = (s: string): string =>
  s.replace(/[&<>"'\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : '&#13;'))

/** A well-formed DescribePartners response, as the reference shows it. */
function describePartnersBody(items: ItemModel[]): string {
  const list =
    items.length === 0
      ? '    <PartnerIntegrationInfoList/>\n'
      : '    <PartnerIntegrationInfoList>\n' +
        items
          .map(
            (i) =>
              '      <PartnerIntegrationInfo>\n' +
              Object.entries(wire(i))
                .map(([k, v]) => `        <${k}>${xmlEscape(v)}</${k}>\n`)
                .join('') +
              '      </PartnerIntegrationInfo>\n',
          )
          .join('') +
        '    </PartnerIntegrationInfoList>\n'
  return `<DescribePartnersResponse xmlns="${XMLNS}">\n  <DescribePartnersResult>\n${list}  </DescribePartnersResult>\n  <ResponseMetadata>\n    <RequestId>fuzz-0000</RequestId>\n  </ResponseMetadata>\n</DescribePartnersResponse>\n`
}

/** 200 bodies that are no DescribePartners response; each must make the cluster an error (InvalidResponse). */
const notAResponse = (valid: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(''),
    fc.constant('<html><head><title>Sign in to Hotel WiFi</title></head><body><form action="/login"></form></body></html>\n'),
    fc.constant(`<DescribeClustersResponse xmlns="${XMLNS}">\n  <DescribeClustersResult>\n    <Clusters/>\n  </DescribeClustersResult>\n</DescribeClustersResponse>\n`),
    fc.constant(`<DescribePartnersResponse xmlns="${XMLNS}">\n  <DescribePartnersResult/>\n  <ResponseMetadata>\n    <RequestId>fuzz-0000</RequestId>\n  </ResponseMetadata>\n</DescribePartnersResponse>\n`),
    fc.constant(`<DescribePartnersResponse xmlns="${XMLNS}">\n  <ResponseMetadata>\n    <RequestId>fuzz-0000</RequestId>\n  </ResponseMetadata>\n</DescribePartnersResponse>\n`),
    fc.constant('{"PartnerIntegrationInfoList":[]}'),
    fc.constant('OK'),
    // Cut before the root element closes: no longer well-formed, whatever was kept.
    fc.nat().map((n) => valid.slice(0, n % Math.max(1, valid.lastIndexOf('</DescribePartnersResponse>')))),
  )

interface Answered {
  body: string
  wellFormed: boolean
}

const oddCase = liveCase.chain((model) =>
  fc.tuple(
    fc.constant(model),
    fc.tuple(
      ...model.clusters.map((c): fc.Arbitrary<Answered> => {
        const items = c.observation.kind === 'observed' ? c.observation.items : []
        const valid = describePartnersBody(items)
        return fc.oneof(
          { weight: 2, arbitrary: fc.constant({ body: valid, wellFormed: true }) },
          { weight: 3, arbitrary: notAResponse(valid).map((body) => ({ body, wellFormed: false })) },
        )
      }),
    ),
  ),
)

test('fuzz :: DescribePartners answers :: an HTTP 200 that is no DescribePartners response is an error, never an empty observation', async (ctx) => {
  await fc.assert(
    fc.asyncProperty(oddCase, async ([model, answers]) => {
      ctx.bodies.clear()
      // What the endpoint answered, as the model: a valid body is the cluster's items, anything else observes nothing.
      const judged: CaseModel = {
        ...model,
        clusters: model.clusters.map((c, i): ClusterModel => {
          ctx.bodies.set(c.cluster, answers[i]!.body)
          const items = c.observation.kind === 'observed' ? c.observation.items : []
          return { ...c, observation: answers[i]!.wellFormed ? { kind: 'observed', items } : { kind: 'nothing' } }
        }),
      }
      const bodies = model.clusters.map((c, i) => `--- ${c.cluster} answers (${answers[i]!.wellFormed ? 'well-formed' : 'not a response'}):\n${answers[i]!.body.slice(0, 600)}`).join('\n')
      const { run, context, observedBetween } = await checkLive(ctx, judged, ctx.rawUrl, false, bodies)
      assertExitCode(run.exitCode, liveVerdict(judged, observedBetween), context)
      model.clusters.forEach((c, i) => {
        if (answers[i]!.wellFormed) return
        const finding = run.result.report?.findings.find((f) => f.kind === 'error' && f.cluster === c.cluster)
        if (!finding) throw new Error(`cluster ${c.cluster} got no DescribePartners response but has no error finding\n${context}`)
      })
    }),
    fuzzParameters(runsFor(0.3, 5)),
  )
})

test.run()
