/**
 * docs/errors.md, made from the catalogue in src/model/error-codes.ts. `npm run docs:errors`
 * writes it; test/error-codes.test.ts fails when the file and the catalogue disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { type CodeFamily, ERROR_CODES, type ErrorCode, PASSED_THROUGH_CODES } from '../../src/model/error-codes.js'

export const ERROR_DOCS = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url))

const SECTIONS: Array<{ family: CodeFamily; title: string; intro: string }> = [
  {
    family: 'input',
    title: 'Problems in a file',
    intro: 'Located diagnostics of a manifest, snapshot, exceptions file, baseline or Terraform state, shown as `FILE:LINE:COLUMN: key path: message [code]` with a `hint:` line. Every problem of every file is reported at once; the run exits 1.',
  },
  {
    family: 'usage',
    title: 'Problems with the command line or the installed sources',
    intro: 'Shown as `Error: message`, then `Code: code` and `Try this: hint` on stderr; exit 1, before any cluster is observed (`output-write`: after the run, the other outputs written).',
  },
  {
    family: 'observation',
    title: 'Clusters that could not be observed',
    intro: 'The `cause.code` of an `error` finding (and of the JSON report\'s `cause`, with the `source` that saw it); the run exits 1. The text reads `could not observe: [source NAME] CLUSTER: CODE: message`.',
  },
  {
    family: 'cause',
    title: 'Causes of findings',
    intro: 'The `cause.code` of a `missing` or `extra` finding, saying why it is what it is.',
  },
  {
    family: 'attribution',
    title: 'Changes that could not be attributed',
    intro: 'With `check --attribute`: the `lastChange.code` of a finding whose last change is unknown, shown as `last change unknown: reason`. Attribution never changes a verdict or the exit code. Codes of the AWS API (`AccessDeniedException`, `ThrottlingException`, ...) and `DeadlineExceeded` pass through.',
  },
]

const cell = (text: string): string => text.replaceAll('|', '\\|')

export function errorCodesMarkdown(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Made from src/model/error-codes.ts by `npm run docs:errors`; edit the catalogue, not this file. -->',
    '',
    'Every problem partner-drift reports has a stable code: match on the code in scripts and tests, never on the wording.',
    '',
  ]
  const entries = Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>
  for (const { family, title, intro } of SECTIONS) {
    lines.push(`## ${title}`, '', intro, '', '| code | what happened | what to do |', '|---|---|---|')
    // Codes that share one entry (the YAML parser's) share one row.
    const rows = new Map<object, ErrorCode[]>()
    for (const [code, entry] of entries) if (entry.family === family) rows.set(entry, [...(rows.get(entry) ?? []), code])
    for (const [entry, codes] of rows) {
      const { meaning, fix } = entry as (typeof ERROR_CODES)[ErrorCode]
      lines.push(`| ${codes.map((c) => `\`${c}\``).join(', ')} | ${cell(meaning)} | ${cell(fix)} |`)
    }
    lines.push('')
    if (family === 'observation') {
      lines.push('Codes of the AWS API and of the network pass through as the `cause.code`, with a hint of the aws source:', '', '| codes | what happened | what to do |', '|---|---|---|')
      for (const { codes, meaning, fix } of PASSED_THROUGH_CODES) lines.push(`| ${cell(codes)} | ${cell(meaning)} | ${cell(fix)} |`)
      lines.push('')
    }
  }
  return lines.join('\n')
}

if (process.argv[2] === '--write' && process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ERROR_DOCS, errorCodesMarkdown())
  process.stdout.write(`wrote ${ERROR_DOCS}\n`)
}

export function errorDocsOnDisk(): string {
  return readFileSync(ERROR_DOCS, 'utf8')
}
