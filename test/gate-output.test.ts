/**
 * Issue 8, outputs: no string from outside (status messages, names from the API, the manifest or
 * a snapshot) reaches a terminal, a CI log or a review tool raw, in any format. One row per
 * reproduction of the issue; every row is rendered in every format, each output read back with a
 * real parser (JSON schema, SARIF schema, XML, unified diff) or, for Markdown, checked for
 * anything GitHub would turn into a mention, a link or HTML.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Ajv } from 'ajv'
import ajvFormats from 'ajv-formats'
import { parsePatch } from 'diff'
import { XMLValidator } from 'fast-xml-parser'
import { parse as parseJunit, type TestSuites } from 'junit2json'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { describeFailure, diagnosticsText, encodedInOneBuffer } from '../src/cli/output.js'
import type { ClusterObservation, ObservedIntegration } from '../src/contract.js'
import { type Finding, fingerprintOf } from '../src/model/finding.js'
import { type Diagnostic, formatDiagnostic, InputError } from '../src/input/diagnostics.js'
import { clusterKey } from '../src/model/cluster.js'
import { SourceError } from '../src/observe/source-registry.js'
import { remediationFor } from '../src/report/remediation.js'
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../src/report/render/index.js'
import { buildReport } from '../src/check.js'
import type { Report } from '../src/model/report.js'
import { desiredFrom, FIXTURES, reportSchemaErrors, runCli, yamlLines } from './helpers/cli.js'

const ACCOUNT = '123456789012'
const OBSERVED_AT = '2026-11-24T10:00:00Z'
const KEY = clusterKey({ accountId: ACCOUNT, region: 'eu-west-1', cluster: 'prod' })

/** Fivetran is declared on dev; each row says what the API answers. */
const MANIFEST = yamlLines('version: 1', `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`, 'clusters:', '  - cluster: prod', '    databases:', '      - database: dev', '        partners:', '          - partner: Fivetran')

/** Databases and partners named like Object.prototype's members, declared and observed. */
const PROTOTYPE_MANIFEST = yamlLines(
  'version: 1',
  `defaults: { accountId: "${ACCOUNT}", region: eu-west-1 }`,
  'clusters:',
  '  - cluster: prod',
  '    databases:',
  '      - database: __proto__',
  '        partners: [{ partner: constructor }]',
  '      - database: constructor',
  '        partners: [{ partner: toString }]',
  '      - database: toString',
  '        partners: [{ partner: hasOwnProperty }]',
  '      - database: hasOwnProperty',
  '        partners: [{ partner: Fivetran }]',
)

const unhealthy = (statusMessage: string): ObservedIntegration => ({ database: 'dev', partner: 'Fivetran', status: 'RuntimeFailure', statusMessage })

function reportOf(integrations: ObservedIntegration[], manifest = MANIFEST): Report {
  const observations = new Map<string, ClusterObservation>([[KEY, { kind: 'observed', observedAt: OBSERVED_AT, integrations }]])
  return buildReport(desiredFrom(manifest), observations, { source: 'snapshot:s.json', policy: { today: '2026-11-24' } })
}

interface Row {
  name: string
  report: () => Report
  /** What an injected line break would start: no line of any output may begin with it. */
  forgedLine?: RegExp
  /** More checks on this row's outputs. */
  check?: (outputs: Map<ReportFormat, string>, report: Report) => void | Promise<void>
}

/** Every character `escapeControl` shows escaped except the line feed, which is how every format ends its lines. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

const ROWS: Row[] = [
  {
    name: 'status message with a line break and ::stop-commands::',
    report: () => reportOf([unhealthy('Sync failed\n::stop-commands::token')]),
    forgedLine: /^\s*::stop-commands::/m,
    check: (outputs) => {
      assert.ok(outputs.get('text')!.includes('Sync failed\\n::stop-commands::token'), 'shown escaped, not dropped')
    },
  },
  {
    name: 'ESC [2J (clear screen) in a status message',
    report: () => reportOf([unhealthy('\u001b[2J\u001b[Hall good')]),
    check: (outputs) => assert.ok(outputs.get('text')!.includes('\\u001b[2J\\u001b[Hall good')),
  },
  {
    name: 'OSC 8 hyperlink in a status message',
    report: () => reportOf([unhealthy('\u001b]8;;https://evil.example/\u0007click me\u001b]8;;\u0007')]),
    check: (outputs) => assert.ok(outputs.get('text')!.includes('\\u001b]8;;https://evil.example/\\u0007click me')),
  },
  {
    name: 'bidi override in a status message and in a partner name from the API',
    report: () => reportOf([unhealthy('ok \u202Eexe.txt\u202C'), { database: 'dev', partner: 'Stitch\u202E', status: 'Active' }]),
    check: (outputs) => assert.ok(outputs.get('text')!.includes('- Stitch\\u202e extra')),
  },
  {
    name: 'C1 controls, DEL and line separators in a status message',
    report: () => reportOf([unhealthy('\u009b2J \u007f \u0085 \u2028::warning::forged')]),
    forgedLine: /^\s*::warning::forged/m,
  },
  {
    name: 'characters XML 1.0 forbids even as references: NUL, U+FFFF, a lone surrogate',
    report: () => reportOf([unhealthy('a\u0000b\uFFFFc\uD800d')]),
    check: (outputs) => {
      const junit = outputs.get('junit')!
      assert.not.match(junit, /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|&#0;/)
      assert.ok(junit.includes('a\\u0000b\uFFFDc\uFFFDd'), 'NUL shown escaped, the others replaced')
    },
  },
  {
    name: 'a lone surrogate with nothing else to escape, in a status message and a partner name; a pair and accents kept',
    report: () => reportOf([unhealthy('été \uDC00 ok 🙂'), { database: 'dev', partner: 'Sti\uD800tch', status: 'Active' }]),
    check: (outputs) => {
      const junit = outputs.get('junit')!
      assert.not.match(junit, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
      assert.ok(junit.includes('été \uFFFD ok 🙂'), 'replaced in the message, the rest as it was')
      assert.ok(junit.includes('name="dev/Sti\uFFFDtch"'), 'replaced in the test case name')
    },
  },
  {
    name: 'mention, link, autolink, HTML and issue reference in a status message',
    report: () => reportOf([unhealthy('@octocat [click](https://evil.example) <https://evil.example> <img src=x onerror=alert(1)> www.evil.example `x` #123 ping@example.com')]),
  },
  {
    name: 'database name with a line break in remediation: no Terraform, commands or manifest lines',
    report: () => reportOf([{ database: 'dev\nresource "aws_iam_user" "pwned" {', partner: 'Fivetran', status: 'Active' }, { database: 'dev', partner: 'Fivetran', status: 'Active' }]),
    forgedLine: /^\s*resource "aws_iam_user"/m,
    check: (_, report) => {
      const extra = report.findings.find((f) => f.kind === 'extra')!
      assert.ok(extra.remediation, 'the finding still explains itself')
      assert.is(extra.remediation!.commands, undefined)
      assert.is(extra.remediation!.terraform, undefined)
      assert.is(extra.remediation!.manifest, undefined)
      assert.match(extra.remediation!.summary, /control characters/)
    },
  },
  {
    name: 'database named __proto__ with a partner named suppressed, and prototype member names everywhere',
    report: () =>
      reportOf(
        [
          { database: '__proto__', partner: 'suppressed', status: 'Active' },
          { database: 'constructor', partner: 'toString', status: 'RuntimeFailure', statusMessage: 'broken' },
          { database: 'toString', partner: 'hasOwnProperty', status: 'Active' },
          { database: 'hasOwnProperty', partner: '__proto__', status: 'Active' },
          { database: 'valueOf', partner: 'constructor', status: 'Active' },
        ],
        PROTOTYPE_MANIFEST,
      ),
    check: async (outputs, report) => {
      const subjects = report.findings.map((f) => [f.kind, f.database, f.partner, f.suppressed !== undefined])
      assert.equal(subjects, [
        ['missing', '__proto__', 'constructor', false],
        ['extra', '__proto__', 'suppressed', false],
        ['unhealthy', 'constructor', 'toString', false],
        ['missing', 'hasOwnProperty', 'Fivetran', false],
        ['extra', 'hasOwnProperty', '__proto__', false],
        ['extra', 'valueOf', 'constructor', false],
      ])
      const { missing, extra, unhealthy, excepted, known, failing } = report.summary
      assert.equal({ missing, extra, unhealthy, excepted, known, failing }, { missing: 2, extra: 3, unhealthy: 1, excepted: 0, known: 0, failing: 6 })
      const json = JSON.parse(outputs.get('json')!) as Report
      assert.equal(json.findings.map((f) => [f.kind, f.database, f.partner]), subjects.map(([kind, database, partner]) => [kind, database, partner]))
      const diff = parsePatch(outputs.get('diff')!).flatMap((p) => p.hunks.flatMap((h) => h.lines))
      for (const line of ['   __proto__:', '-    suppressed: Active', '-    toString: RuntimeFailure (broken)', '+    toString: Active', '-  valueOf:', '+    Fivetran: Active']) {
        assert.ok(diff.includes(line), `${line} in\n${diff.join('\n')}`)
      }
      assert.ok(diff.includes('+    constructor: Active'), 'the missing partner named constructor is added under __proto__')
      const junit = (await parseJunit(outputs.get('junit')!)) as TestSuites
      const cases = junit.testsuite!.flatMap((s) => s.testcase ?? [])
      assert.is(cases.filter((c) => c.skipped).length, 0)
      assert.ok(cases.find((c) => c.name === '__proto__/suppressed')?.failure, 'an ordinary failing test case')
      const github = outputs.get('github')!.trimEnd().split('\n')
      assert.ok(github.find((l) => l.includes('/__proto__/suppressed'))?.startsWith('::error '))
      assert.match(outputs.get('markdown')!, /^\| ❌ \| extra \| \\_\\_proto\\_\\_ \| suppressed \|/m)
      const text = outputs.get('text')!
      for (const line of [/^ {4}database __proto__$/m, /^ {6}\+ constructor missing: /m, /^ {6}- suppressed extra: integrated/m, /^ {6}- __proto__ extra: /m]) assert.match(text, line)
      assert.not.match(text, /excepted|known/)
    },
  },
]

const gate = suite('gate :: every format, every row')

for (const row of ROWS) {
  gate(row.name, async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    const report = row.report()
    const outputs = new Map(REPORT_FORMATS.map((format) => [format, renderReport(format, report, { explain: true })]))
    outputs.set('text', renderReport('text', report, { explain: true, color: false }))

    for (const [format, output] of outputs) {
      const raw = RAW_CONTROL.exec(output)
      assert.not.ok(raw, `${format}: raw U+${raw?.[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${raw?.index}:\n${output}`)
      if (row.forgedLine) assert.not.match(output, row.forgedLine, `${format}: a line forged by the input`)
    }
    await parsedInEveryFormat(outputs, report)
    await row.check?.(outputs, report)

    // Rendering wrote nothing into Object.prototype, and a report rendered afterwards is unaffected.
    assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), before)
    assert.is(({} as Record<string, unknown>).suppressed, undefined)
    const ordinary = reportOf([unhealthy('plain')])
    assert.ok(ordinary.findings.every((f) => f.suppressed === undefined))
    assert.not.match(renderReport('github', ordinary), /^::notice /m)
    assert.is(sarifOf(renderReport('sarif', ordinary)).runs[0].results.filter((r) => r.suppressions).length, 0)
  })
}

gate('colour on: the only escape sequences in the text report are its own colours', () => {
  const out = renderReport('text', reportOf([unhealthy('\u001b[2J\u001b]8;;https://evil.example/\u0007x')]), { color: true, explain: true })
  assert.ok(out.includes('\u001b['), 'painted')
  // eslint-disable-next-line no-control-regex
  assert.not.match(out.replace(/\u001b\[\d+m/g, ''), RAW_CONTROL)
})

gate('--format diff under policy { missing: off }: the missing partner the text report hides is not in the diff either', () => {
  const report = reportOf([{ database: 'dev', partner: 'Segment', status: 'Active' }], MANIFEST + 'policy: { missing: off }\n')
  assert.equal(report.findings.map((f) => [f.kind, f.partner]), [['extra', 'Segment']])
  const text = renderReport('text', report, { color: false })
  assert.not.match(text, /Fivetran/)
  const lines = parsePatch(renderReport('diff', report)).flatMap((p) => p.hunks.flatMap((h) => h.lines))
  assert.equal(lines.filter((l) => /^[+-]/.test(l)), ['-databases:', '-  dev:', '-    Segment: Active', '+databases: {}'])
  assert.not.ok(lines.some((l) => l.includes('Fivetran')), lines.join('\n'))

  const nothing = reportOf([], MANIFEST + 'policy: { missing: off }\n')
  assert.equal(nothing.findings, [])
  assert.is(renderReport('diff', nothing), '# no drift: observed state matches the manifest\n')
})

gate('--format diff leaves excepted findings out and says how many', () => {
  const manifest = MANIFEST + yamlLines('exceptions:', '  - { kind: extra, cluster: prod, partner: Segment, reason: trial, owner: bi }')
  const report = reportOf([{ database: 'dev', partner: 'Fivetran', status: 'Active' }, { database: 'dev', partner: 'Segment', status: 'Active' }], manifest)
  assert.equal(report.findings.map((f) => [f.kind, f.suppressed?.by]), [['extra', 'exception']])
  assert.is(renderReport('diff', report), '# no drift to fix: 1 excepted or known finding is accepted and not shown\n')
})

gate.run()

// ---------------------------------------------------------------------------------------------

const ajv = new Ajv({ strict: false, allErrors: true })
ajvFormats.default(ajv)
const validateSarif = ajv.compile(JSON.parse(await readFile(`${FIXTURES}sarif-schema-2.1.0.json`, 'utf8')) as object)

interface SarifLog {
  runs: Array<{ results: Array<{ message: { text: string; markdown: string }; suppressions?: unknown[] }> }>
}

function sarifOf(text: string): SarifLog {
  const log = JSON.parse(text) as SarifLog
  assert.ok(validateSarif(log), JSON.stringify(validateSarif.errors))
  return log
}

/** `::error file=F,line=L,col=C,title=T::MESSAGE`: one line, the properties and message percent-encoded. */
const COMMAND = /^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=[^,:]+::[^\r\n]*$/

/** Each output through its real parser, and what every format must agree on. */
async function parsedInEveryFormat(outputs: Map<ReportFormat, string>, report: Report): Promise<void> {
  const suppressed = report.findings.filter((f) => f.suppressed).length

  // JSON: valid, and exactly the report's values, control characters included (escaped in the text).
  const json = JSON.parse(outputs.get('json')!) as unknown
  assert.equal(reportSchemaErrors(json), [])
  assert.equal(json, JSON.parse(JSON.stringify(report)))

  const sarif = sarifOf(outputs.get('sarif')!)
  assert.is(sarif.runs[0].results.length, report.findings.length)
  assert.is(sarif.runs[0].results.filter((r) => r.suppressions).length, suppressed)
  for (const result of sarif.runs[0].results) {
    assert.equal(markdownProblems(result.message.markdown), [], result.message.markdown)
    assert.not.match(result.message.text, RAW_CONTROL)
  }

  const xml = outputs.get('junit')!
  assert.is(XMLValidator.validate(xml), true)
  const junit = (await parseJunit(xml)) as TestSuites
  assert.ok((junit.tests ?? 0) > 0)

  // A patch that does not parse throws here; every hunk line is context, addition or removal.
  for (const patch of parsePatch(outputs.get('diff')!)) for (const hunk of patch.hunks) for (const line of hunk.lines) assert.match(line, /^[ +\-\\]/)

  const github = outputs.get('github')!
  const commands = github.trimEnd().split('\n').filter(Boolean)
  assert.is(commands.length, report.findings.length, 'exactly one workflow command per finding')
  for (const line of commands) assert.match(line, COMMAND)
  assert.is(commands.filter((l) => l.startsWith('::notice ')).length, suppressed)

  assert.equal(markdownProblems(outputs.get('markdown')!), [])

  // One label line per finding in the text report: nothing the input holds adds or splits one.
  const labels = outputs.get('text')!.split('\n').filter((l) => /^ {4,6}[+~!?-] /.test(l))
  assert.is(labels.length, report.findings.length, outputs.get('text'))
}

/** Tags the Markdown renderer writes itself. */
const OWN_HTML = /<\/?(details|summary)>/g

/**
 * What GitHub would act on in Markdown outside code: HTML, link or image syntax, autolinks,
 * mentions and issue references. Code spans and fenced blocks are left out: nothing in them is
 * markup. Escaped characters (`\[`) and the zero-width space the renderer inserts are fine.
 */
function markdownProblems(md: string): string[] {
  const problems: string[] = []
  // eslint-disable-next-line no-control-regex
  if (RAW_CONTROL.test(md)) problems.push('raw control character')
  const prose = md
    .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')
    .replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '')
    .replace(OWN_HTML, '')
    .replace(/\\[\\`*_~[\]|#$<>]/g, '')
  if (/</.test(prose)) problems.push(`HTML: ${/.{0,20}<.{0,20}/.exec(prose)?.[0]}`)
  if (/\[/.test(prose.replace(/^> \[!NOTE\]$/m, ''))) problems.push('link or image syntax')
  if (/[a-z]+:\/\//i.test(prose)) problems.push('URL autolink')
  if (/\bwww\./i.test(prose)) problems.push('www autolink')
  if (/(^|[^\w`])@[a-z0-9]/im.test(prose)) problems.push(`mention: ${/.{0,10}@[a-z0-9].{0,10}/i.exec(prose)?.[0]}`)
  if (/(^|\s)#\d/.test(prose)) problems.push('issue reference')
  return problems
}

// ---------------------------------------------------------------------------------------------

const remediation = suite('gate :: remediation is code a person will paste')

function findingWith(fields: Partial<Finding> & Pick<Finding, 'kind'>): Finding {
  const base = { severity: 'fail' as const, accountId: ACCOUNT, region: 'eu-west-1', cluster: 'prod', database: 'dev', partner: 'Fivetran', message: 'm', ...fields }
  return { ...base, fingerprint: fingerprintOf(base) }
}

const PASTE_ROWS: Array<{ name: string; finding: Finding; pasteable: boolean }> = [
  { name: 'missing, database with a line break', finding: findingWith({ kind: 'missing', database: 'dev\nresource "aws_iam_user" "x" {' }), pasteable: false },
  { name: 'extra, partner with ESC', finding: findingWith({ kind: 'extra', partner: 'Fivetran\u001b[2J' }), pasteable: false },
  { name: 'extra on an undeclared database, CR in its name', finding: findingWith({ kind: 'extra', database: 'dev\r# x', cause: { code: 'DatabaseNotDeclared' } }), pasteable: false },
  { name: 'forbidden, partner with a bidi override', finding: findingWith({ kind: 'forbidden', partner: 'Seg\u202Ement' }), pasteable: false },
  { name: 'missing, cluster with U+2028', finding: findingWith({ kind: 'missing', cluster: 'prod\u2028x' }), pasteable: false },
  { name: 'quotes, ${ and shell metacharacters are quoted, not refused', finding: findingWith({ kind: 'extra', database: `o'neil$\${db}"#` }), pasteable: true },
]

for (const row of PASTE_ROWS) {
  remediation(row.name, () => {
    const r = remediationFor(row.finding)
    const snippets = [...(r.commands ?? []), r.terraform ?? '', r.manifest ?? ''].join('\n')
    if (!row.pasteable) {
      assert.equal([r.commands, r.terraform, r.manifest], [undefined, undefined, undefined])
      assert.match(r.summary, /No command, Terraform or manifest lines are suggested because a name holds control characters/)
      return
    }
    assert.ok(r.commands?.length && r.terraform && r.manifest, 'a safe name keeps every snippet')
    // Every line of the Terraform is either the resource block or a comment: nothing a name holds opens another block.
    assert.equal(r.terraform!.split('\n').filter((l) => /^resource /.test(l)).length, 1)
    assert.not.match(snippets, RAW_CONTROL)
  })
}

remediation('cluster not found with a line break in its name: advice without the describe-clusters command', () => {
  const r = remediationFor(findingWith({ kind: 'missing', cluster: 'ghost\naws iam delete-user', database: undefined, partner: undefined, cause: { code: 'ClusterNotFound' } }))
  assert.not.match(r.summary, /check with: aws/)
  assert.match(remediationFor(findingWith({ kind: 'missing', cluster: 'ghost', cause: { code: 'ClusterNotFound' } })).summary, /check with: aws redshift describe-clusters --cluster-identifier ghost/)
})

remediation.run()

// ---------------------------------------------------------------------------------------------

const diagnostics = suite('gate :: diagnostics on stderr')

const HOSTILE: Diagnostic = {
  severity: 'error',
  code: 'schema',
  file: 'evil\n::stop-commands::x.yaml',
  line: 3,
  column: 5,
  path: 'clusters[0].cluster',
  message: 'must match pattern, got "\u001b[2Jprod\u202E"',
  hint: 'quote it\n::error::forged',
}

diagnostics('formatDiagnostic: file, message and hint escaped; one line plus the hint line', () => {
  const text = formatDiagnostic(HOSTILE)
  assert.is(text, 'evil\\n::stop-commands::x.yaml:3:5: clusters[0].cluster: must match pattern, got "\\u001b[2Jprod\\u202e" [schema]\n  hint: quote it\\n::error::forged')
  assert.is(formatDiagnostic({ ...HOSTILE, file: 'evil\\n::stop-commands::x.yaml', message: 'must match pattern, got "\\u001b[2Jprod\\u202e"' }).split('\n')[0], text.split('\n')[0], 'idempotent')
})

diagnostics('diagnosticsText and describeFailure: nothing raw, no forged line', () => {
  const all = [diagnosticsText([HOSTILE]), describeFailure(new InputError([HOSTILE]))!.text, describeFailure(new SourceError('unknown-source', 'source x: \u001b]8;;https://evil\u0007y\u2028::error::w', 'try\n::error::z'))!.text]
  for (const text of all) {
    assert.not.match(text, RAW_CONTROL)
    assert.not.match(text, /^\s*::(stop-commands|error)::/m)
  }
  assert.is(diagnosticsText([HOSTILE]).split('\n').at(-2), 'evil\\n::stop-commands::x.yaml: 1 problem')
})

diagnostics.run()

// ---------------------------------------------------------------------------------------------

const bytes = suite('gate :: report bytes')

bytes('every piece is encoded exactly while one buffer is reused and grows, whatever its characters', () => {
  // A lone surrogate becomes U+FFFD, as when a string is written to a stream.
  const pieces = ['a', 'é€😀'.repeat(1000), 'x\u0000\u001b[2J', '😀', 'ü'.repeat(50_000), 'z', 'lone \uD800 surrogate']
  const written: Buffer[] = []
  // Each piece is used up before the next is asked for, as the writers do.
  for (const piece of encodedInOneBuffer(pieces)) written.push(Buffer.from(piece))
  assert.equal(written.map((b) => b.toString('utf8')), [...pieces.slice(0, -1), 'lone \uFFFD surrogate'])
  assert.equal(Buffer.concat(written), Buffer.from(pieces.join('')))
})

bytes.run()

// ---------------------------------------------------------------------------------------------

const cli = suite('gate :: the real CLI on a hostile snapshot')

cli('check --explain under GitHub Actions, every --output format: exit 2, nothing raw anywhere', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-gate-'))
  try {
    await writeFile(join(dir, 'm.yaml'), MANIFEST)
    const info = (DatabaseName: string, PartnerName: string, Status: string, StatusMessage?: string): object => ({ DatabaseName, PartnerName, Status, ...(StatusMessage ? { StatusMessage } : {}) })
    const snapshot = {
      version: 1,
      capturedAt: OBSERVED_AT,
      clusters: [
        {
          accountId: ACCOUNT,
          region: 'eu-west-1',
          cluster: 'prod',
          PartnerIntegrationInfoList: [
            info('dev', 'Fivetran', 'RuntimeFailure', 'Sync failed\n::stop-commands::token\n\u001b[2J\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007 @octocat <img src=x>'),
            info('__proto__', 'suppressed', 'Active'),
            info('dev\nresource "aws_iam_user" "pwned" {', 'Stitch\u202E', 'Active'),
          ],
        },
      ],
    }
    await writeFile(join(dir, 's.json'), JSON.stringify(snapshot, null, 2))
    const formats = REPORT_FORMATS.filter((f) => f !== 'text')
    const run = await runCli(['check', 'm.yaml', '--source', 'snapshot:s.json', '--explain', ...formats.flatMap((f) => ['--output', `${f}=out.${f}`])], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true', CI: '1' },
    })
    assert.is(run.code, 2, run.stderr)
    assert.not.match(run.stdout + run.stderr, RAW_CONTROL)
    assert.not.match(run.stdout, /^\s*(::stop-commands::|resource "aws_iam_user")/m)
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::'))
    assert.is(annotations.length, 3, run.stdout)
    for (const line of annotations) assert.match(line, COMMAND)
    assert.ok(annotations.every((l) => l.startsWith('::error ')), 'nothing became a notice: the __proto__ finding is ordinary')

    const outputs = new Map<ReportFormat, string>([['text', run.stdout.split('\n').filter((l) => !l.startsWith('::')).join('\n')]])
    for (const f of formats) outputs.set(f, await readFile(join(dir, `out.${f}`), 'utf8'))
    for (const [format, output] of outputs) {
      assert.not.match(output, RAW_CONTROL, format)
      assert.not.match(output, /^\s*(::stop-commands::|resource "aws_iam_user")/m, format)
    }
    const report = JSON.parse(outputs.get('json')!) as Report
    assert.equal(report.findings.map((f) => [f.kind, f.database, f.partner, f.suppressed === undefined]), [
      ['extra', '__proto__', 'suppressed', true],
      ['unhealthy', 'dev', 'Fivetran', true],
      ['extra', 'dev\nresource "aws_iam_user" "pwned" {', 'Stitch\u202E', true],
    ])
    await parsedInEveryFormat(outputs, report)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

cli('snapshot: an error message from the source is shown escaped on stderr', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'partner-drift-gate-'))
  try {
    await writeFile(join(dir, 'm.yaml'), MANIFEST)
    const error = { code: 'AccessDenied', message: 'denied\n::stop-commands::token \u001b[2J', hint: 'see \u001b]8;;https://evil.example/\u0007here' }
    await writeFile(join(dir, 'in.json'), JSON.stringify({ version: 1, capturedAt: OBSERVED_AT, clusters: [{ accountId: ACCOUNT, region: 'eu-west-1', cluster: 'prod', error }] }))
    const run = await runCli(['snapshot', 'm.yaml', '--source', 'snapshot:in.json', '--out', 'out.json'], { cwd: dir, env: { CI: '1' } })
    assert.is(run.code, 1, run.stderr)
    assert.not.match(run.stderr, RAW_CONTROL)
    assert.not.match(run.stderr, /^\s*::stop-commands::/m)
    assert.ok(run.stderr.includes('denied\\n::stop-commands::token \\u001b[2J'), run.stderr)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

cli.run()
