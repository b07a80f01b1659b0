import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'

import { clusterKey } from '../../model/cluster.js'
import { FINDING_KIND_INFO, FINDING_KINDS, type FindingKind } from '../../model/finding-kinds.js'
import type { ReportedFinding } from '../../model/finding.js'
import type { Report } from '../../model/report.js'
import type { ReviewState } from '../../model/review.js'
import { escapeControl, jsonWithoutRawControl } from '../../untrusted-text.js'
import { VERSION } from '../../version.js'
import { describeLastChange, describeSuppression, describeWouldBeSuppressed, manifestLocationOf, subjectOf } from './finding-text.js'
import { code, escapeText, markdownFence, remediationBlocks } from './markdown.js'

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'
const INFORMATION_URI = 'https://github.com/partner-drift/partner-drift'
/** Versioned so that a change in what the fingerprint covers can be introduced as v2 without merging unrelated alerts. */
const FINGERPRINT_KEY = 'partnerDrift/v1'
/**
 * The base of every relative artifact location: the repository root, which `check` names the
 * manifest relative to (`GITHUB_WORKSPACE`, `CI_PROJECT_DIR`, the git top level). Declared in
 * `originalUriBaseIds` without a `uri`: the absolute path of a runner's checkout would make the
 * file differ from machine to machine, and code scanning matches the relative paths itself.
 */
const SOURCE_ROOT = 'SRCROOT'


/**
 * SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, VS Code SARIF viewer):
 * one rule per finding kind, every result located in the manifest and fingerprinted so that
 * alerts are de-duplicated across runs, suppressed findings kept as results with `suppressions`.
 */
/** GitHub code scanning's limit of results in one run. */
export const MAX_RESULTS = 25_000

export function renderSarif(report: Report): string {
  const ruleIndex = new Map(FINDING_KINDS.map((kind, index) => [kind, index]))
  const errors = report.findings.filter((f) => f.kind === 'error')
  // GitHub code scanning takes at most 25,000 results a run: beyond that, the failing ones first, and a note of the rest.
  const shown = report.findings.length <= MAX_RESULTS ? report.findings : [...report.findings].sort((a, b) => Number(b.failing) - Number(a.failing)).slice(0, MAX_RESULTS)
  const leftOut = report.findings.length - shown.length

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'partner-drift',
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: INFORMATION_URI,
            rules: FINDING_KINDS.map(rule),
          },
        },
        invocations: [
          {
            // A run that could not observe every cluster did not do its job, however many results it has.
            executionSuccessful: report.outcome !== 'incomplete',
            exitCode: report.exitCode,
            ...(errors.length || leftOut
              ? {
                  toolExecutionNotifications: [
                    ...errors.map((f) => ({
                      level: 'error',
                      message: { text: escapeControl(`${clusterKey(f)}: ${f.message}`) },
                      associatedRule: { id: f.kind, index: ruleIndex.get(f.kind) },
                    })),
                    ...(leftOut ? [{ level: 'warning', message: { text: `${leftOut} more findings are left out of this SARIF file (GitHub takes at most ${MAX_RESULTS} results a run); the JSON report has every one` } }] : []),
                  ],
                }
              : {}),
          },
        ],
        // The category code scanning keeps apart: uploads for different manifests do not replace each other.
        automationDetails: { id: `partner-drift/${escapeControl(report.manifest)}/` },
        originalUriBaseIds: { [SOURCE_ROOT]: { description: { text: 'The root of the repository that holds the manifest.' } } },
        // yaml reports columns in JavaScript string offsets.
        columnKind: 'utf16CodeUnits',
        results: [...shown.map((f) => result(f, report, ruleIndex.get(f.kind) ?? 0)), ...resolvedResults(report, ruleIndex)],
        properties: { outcome: report.outcome, source: report.source, ...(report.audit ? { audit: true } : {}), summary: report.summary, ...(report.review ? { review: { base: report.review.base, ...report.review.counts } } : {}) },
      },
    ],
  }
  // Messages are made inert where they are written; `properties` keep the exact values, JSON-escaped.
  return jsonWithoutRawControl(JSON.stringify(log, null, 2)) + '\n'
}

function rule(kind: FindingKind): Record<string, unknown> {
  const d = FINDING_KIND_INFO[kind]
  return {
    id: kind,
    name: d.name,
    shortDescription: { text: d.title },
    fullDescription: { text: d.description },
    help: {
      text: `${d.description} ${d.help} Each result's message carries its own fix.`,
      markdown: `**${d.title}**\n\n${d.description}\n\n**How to fix:** ${d.help}\n\nEach result's message carries its own fix: the exact AWS CLI commands, Terraform and manifest lines where they apply.`,
    },
    defaultConfiguration: { level: d.defaultSeverity === 'warn' ? 'warning' : 'error' },
    properties: { tags: ['partner-drift', 'redshift', 'drift'] },
  }
}

function result(finding: ReportedFinding, report: Report, ruleIndex: number): Record<string, unknown> {
  const location = manifestLocationOf(finding, report)
  const subject = subjectOf(finding)
  const name = `${clusterKey(finding)}${subject ? `/${subject}` : ''}`
  const suppression = finding.suppressed
  return {
    ruleId: finding.kind,
    ruleIndex,
    level: finding.severity === 'warn' ? 'warning' : 'error',
    message: messageOf(finding, name),
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(location.file),
          region: { startLine: location.line, startColumn: location.column },
        },
        logicalLocations: [{ name: escapeControl(subject || finding.cluster), fullyQualifiedName: escapeControl(name), kind: 'resource' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(finding.reviewState ? { baselineState: BASELINE_STATE[finding.reviewState] } : {}),
    ...(suppression
      ? {
          suppressions: [
            {
              kind: 'external',
              justification: escapeControl(describeSuppression(suppression)),
              properties: { by: suppression.by, reason: suppression.reason, ...(suppression.owner ? { owner: suppression.owner } : {}), ...(suppression.expires ? { expires: suppression.expires } : {}) },
            },
          ],
        }
      : {}),
    properties: {
      accountId: finding.accountId,
      region: finding.region,
      cluster: finding.cluster,
      ...(finding.database !== undefined ? { database: finding.database } : {}),
      ...(finding.partner !== undefined ? { partner: finding.partner } : {}),
      severity: finding.severity,
      ...(finding.remediation ? { remediation: finding.remediation } : {}),
      ...(finding.wouldBeSuppressed ? { wouldBeSuppressed: finding.wouldBeSuppressed } : {}),
      ...(finding.lastChange ? { lastChange: finding.lastChange } : {}),
    },
  }
}

/** A review's states as SARIF names a result's state against a baseline (3.27.24): a finding the change made fail is `updated`. */
const BASELINE_STATE: Record<ReviewState, 'new' | 'unchanged' | 'updated'> = { introduced: 'new', unchanged: 'unchanged', escalated: 'updated' }

/**
 * In a review, what the base found and the head no longer does: results with `baselineState`
 * `absent`, as SARIF has them. They are located at the head manifest's start (the base may be a
 * git revision, which is no file in the checkout), with the base's own place in `properties`.
 */
function resolvedResults(report: Report, ruleIndex: ReadonlyMap<FindingKind, number>): Array<Record<string, unknown>> {
  return (report.review?.resolved ?? []).map((finding) => {
    const at = finding.location
    const moved = { ...finding, location: { file: report.manifest, line: 1, column: 1 } }
    const base = result(moved, report, ruleIndex.get(finding.kind) ?? 0)
    const message = base.message as { text: string; markdown: string }
    return {
      ...base,
      // Nothing to act on any more: shown as a note, whatever it was under the base.
      level: 'note',
      message: { text: `Resolved by this change: ${message.text}`, markdown: `**Resolved by this change:** ${message.markdown}` },
      baselineState: 'absent',
      properties: { ...(base.properties as object), ...(at ? { baseLocation: `${at.file}:${at.line}:${at.column}` } : {}) },
    }
  })
}

/**
 * Code scanning shows `text` only, so the exact fix goes there too; `markdown` is for viewers that
 * render it. Both are built from parts made inert one by one (names, messages, each line of a
 * block), joined by the line breaks this renderer means; `markdown` is escaped like the Markdown
 * report, so a status message can neither ping anyone nor render a link or HTML.
 */
function messageOf(finding: ReportedFinding, name: string): { text: string; markdown: string } {
  const r = finding.remediation
  const blocks = r ? remediationBlocks(r) : []
  // Who last changed the integration, and what an audit would otherwise have accepted, belong with the message.
  const notes = [...(finding.wouldBeSuppressed ? [describeWouldBeSuppressed(finding.wouldBeSuppressed)] : []), ...(finding.lastChange ? [describeLastChange(finding.lastChange)] : [])]
  const said = [finding.message, ...notes].join(' — ')
  const text = [escapeControl(`${name}: ${said}`), ...(r ? [`Fix: ${escapeControl(r.summary)}`, ...blocks.map((b) => b.body)] : [])].join('\n\n')
  const markdown = [
    `${code(name, { inTable: false })}: ${escapeText(said)}`,
    ...(r ? [`**Fix:** ${escapeText(r.summary)}`, ...blocks.map((b) => markdownFence(b.body, b.language))] : []),
  ].join('\n\n')
  return { text, markdown }
}

/**
 * The manifest path as the report names it: relative paths (relative to the repository root)
 * stay relative to the source root, absolute ones (a manifest outside the repository) become
 * `file:` URIs, which may carry no base id.
 */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file)) return { uri: pathToFileURL(file).href }
  const segments = file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').split('/')
  return { uri: segments.map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT }
}
