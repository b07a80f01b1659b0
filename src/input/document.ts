import { createRequire } from 'node:module'

import { yaml, type Document, type ErrorCode, type LineCounter, type Node } from '../vendor/yaml.js'

import type { InputCode } from '../model/error-codes.js'
import { EXCERPT_LENGTH, escapeControl, excerpt } from '../untrusted-text.js'
import type { Diagnostic } from './diagnostics.js'
import { readBlockYaml } from './block-yaml.js'
import { JsonChunks, type JsonText, readJsonText } from './json-text.js'
import { MAX_INPUT_BYTES, readInputBytes, readInputChunks, readInputChunksSync, textOf } from './read-input.js'

export { MAX_INPUT_BYTES }

/** Where a node stands in its file. */
export interface Position {
  line: number
  column: number
}

export type KeyPath = ReadonlyArray<string | number>

/**
 * A parsed YAML or JSON file that still knows where every value came from, so that
 * later stages (schema, semantic checks, the diff) can point at `FILE:LINE:COLUMN`.
 */
export interface LocatedDocument {
  /** The path as the user wrote it; used in every message. */
  file: string
  /** Plain data; `undefined` when the file could not be read or parsed. */
  value: unknown
  /** Syntax and read problems. A document with errors here must not be used. */
  diagnostics: Diagnostic[]
  /** Position of the node at `path`, or of its closest existing ancestor. `key: true` points at the key of a map entry. */
  locate(path: KeyPath, options?: { key?: boolean }): Position
  /** True when the node at `path` was written as a YAML/JSON number (used for "quote it" hints). */
  isNumberNode(path: KeyPath): boolean
  /** That number's text as written: the hint must show `012345678901`, not the `12345678901` YAML read. */
  numberAsWritten?(path: KeyPath): string | undefined
}

/** Aliases expanded beyond this are treated as an alias bomb ("billion laughs"). */
const MAX_ALIAS_COUNT = 1000

/**
 * `clusters[0].databases[1].partner`. Keys come from the input, so each is shown escaped and
 * cut to an excerpt: the path is printed in every diagnostic.
 */
export function formatKeyPath(path: KeyPath): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`
      continue
    }
    const chars = [...segment]
    const shown = escapeControl(chars.length > EXCERPT_LENGTH ? `${chars.slice(0, EXCERPT_LENGTH).join('')}…` : segment)
    out += out ? `.${shown}` : shown
  }
  return out
}

/**
 * Reads and parses a YAML or JSON file through the bounded reader (`readInputChunks` for JSON,
 * else `readInputBytes`, as `readInputText` reads): regular files only, at most `maxBytes`, text
 * only. Never throws.
 */
export async function readDocument(path: string, options: { maxBytes?: number; displayName?: string } = {}): Promise<LocatedDocument> {
  const json = await readJsonFile(path, options)
  if (json) return json
  const input = await readInputBytes(path, options)
  if (!input.ok) return failedDocument(input.file, input.diagnostics)
  return parseDocumentText(textOf(input.bytes), input.file)
}

/**
 * A JSON file read a chunk at a time (`readInputChunks`, `JsonChunks`), never held whole;
 * `undefined` for anything else (YAML, a problem to report), which is then read whole. A position
 * is asked for only to report a problem: the file is then read again, and its positions are used
 * only if it still holds the same value (it may have changed in between; the start of the file
 * is then all that can be said).
 */
async function readJsonFile(path: string, options: { maxBytes?: number; displayName?: string }): Promise<LocatedDocument | undefined> {
  const reading = new JsonChunks()
  if ((await readInputChunks(path, (chunk) => reading.push(chunk), options)) !== 'read') return undefined
  let text: string | undefined
  const textOf = (): string => (text ??= textAgain(path, options.maxBytes, json!.value))
  const json = reading.end(textOf)
  return json && jsonDocument(json, textOf, options.displayName ?? path)
}

/** The text of a JSON file read before, if it still holds `value`; else `{}`, whose only position is the start. */
function textAgain(path: string, maxBytes: number | undefined, value: unknown): string {
  const chunks: Buffer[] = []
  const read = readInputChunksSync(path, (chunk) => chunks.push(Buffer.from(chunk)) > 0, { maxBytes })
  const text = textOf(Buffer.concat(chunks))
  // Required here, not imported: an ES module importing node:util loads every part of it (about 2 ms of a start).
  const { isDeepStrictEqual } = createRequire(import.meta.url)('node:util') as typeof import('node:util')
  return read === 'read' && isDeepStrictEqual(readJsonText(text)?.value, value) ? text : '{}'
}

/**
 * Parses text already in memory (stdin, tests). JSON is YAML 1.2, and every diagnostic is the one
 * the YAML reading gives; but a YAML document tree costs about forty times the text in memory and
 * seconds for a large estate, so well-formed JSON is read with `JSON.parse` and located only when
 * asked (`parseJsonDocument`), and plain block YAML line by line (`parseBlockYamlDocument`).
 * Anything that is not plainly the same document both ways is read as a YAML document.
 */
export function parseDocumentText(text: string, file: string): LocatedDocument {
  return parseJsonDocument(text, file) ?? parseBlockYamlDocument(text, file) ?? parseYamlDocument(text, file)
}

/**
 * Reads the plain block YAML manifests are written in (see `readBlockYaml`); `undefined` for
 * anything else, or for text the YAML reading would report a problem in. Values and positions are
 * those of the YAML reading.
 */
export function parseBlockYamlDocument(text: string, file: string): LocatedDocument | undefined {
  const yaml = readBlockYaml(text)
  return yaml && readDocumentOf(file, yaml.value, yaml.placeOf, yaml.numberAt)
}

/**
 * Reads well-formed JSON with `JSON.parse`; `undefined` when the text is anything else, or JSON
 * that the YAML reading would report a problem in or read differently (see `readJsonText`).
 * Positions are those of the YAML reading: the same node starts, the same line and column arithmetic.
 */
export function parseJsonDocument(text: string, file: string): LocatedDocument | undefined {
  const json = readJsonText(text)
  return json && jsonDocument(json, () => text, file)
}

/** A JSON document located on demand: lines and columns are counted in `textOf()` only when a position is asked for. */
function jsonDocument(json: JsonText, textOf: () => string, file: string): LocatedDocument {
  let lineCounter: LineCounter | undefined
  const position = (offset: number): Position => {
    if (!lineCounter) {
      const text = textOf()
      lineCounter = new (yaml().LineCounter)()
      lineCounter.addNewLine(0)
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineCounter.addNewLine(at + 1)
    }
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  return readDocumentOf(file, json.value, (path, key) => position(json.offsetOf(path, key)), json.numberAt)
}

/** A document read without diagnostics by one of the fast readings, which locate values and numbers their own way. */
function readDocumentOf(
  file: string,
  value: unknown,
  place: (path: KeyPath, key?: boolean) => Position,
  numberAt: (path: KeyPath) => string | undefined,
): LocatedDocument {
  return {
    file,
    value,
    diagnostics: [],
    locate: (path, options) => place(path, options?.key),
    isNumberNode: (path) => numberAt(path) !== undefined,
    numberAsWritten: numberAt,
  }
}

/** Reads text as YAML, with every node's position; the reference reading, and the one for YAML files. */
export function parseYamlDocument(text: string, file: string): LocatedDocument {
  const { LineCounter, isScalar, parseDocument, visit } = yaml()
  const lineCounter = new LineCounter()
  // logLevel error: yaml's own warnings (e.g. for a mapping used as a key) would reach the user's
  // log as a Node warning; such problems are reported below as located diagnostics instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, logLevel: 'error' })
  const position = (offset: number | undefined): Position => {
    if (offset === undefined) return { line: 1, column: 1 }
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  const diagnostics: Diagnostic[] = doc.errors.map((error) => {
    // yaml says only "Map keys must be unique"; the user needs to know which key, and where in the manifest.
    const duplicate = error.code === 'DUPLICATE_KEY' ? duplicateKeyAt(doc, error.pos[0]) : undefined
    return {
      severity: 'error',
      code: yamlCode(error.code),
      file,
      ...position(error.pos[0]),
      path: duplicate ? formatKeyPath(duplicate) : '',
      message: duplicate ? `key ${excerpt(String(duplicate.at(-1)))} appears twice in this mapping` : parserMessage(error.message),
      hint: syntaxHint(error.code),
    }
  })

  // A key written as a mapping or a list (`? {a: b}`) has no name: JavaScript would stringify it.
  if (diagnostics.length === 0) {
    visit(doc, {
      Pair(_, pair) {
        if (pair.key === null || isScalar(pair.key)) return undefined
        const at = (pair.key as Node).range?.[0]
        diagnostics.push({
          severity: 'error',
          code: 'yaml-complex-key',
          file,
          ...position(at),
          path: '',
          message: 'a key must be a plain name, not a mapping, a list or an alias',
          hint: 'write the key as plain text, e.g. cluster:',
        })
        return undefined
      },
    })
  }

  let value: unknown
  if (diagnostics.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (error) {
      diagnostics.push({
        severity: 'error',
        code: 'yaml-alias-limit',
        file,
        line: 1,
        column: 1,
        path: '',
        message: `cannot expand the document: ${parserMessage((error as Error).message)}`,
        hint: 'remove the chain of YAML aliases (*name) that multiplies the document',
      })
    }
  }

  return {
    file,
    value,
    diagnostics,
    locate: (path, options) => position(findNode(doc, path, options?.key)?.range?.[0]),
    isNumberNode: (path) => {
      const node = findNode(doc, path, false)
      return isScalar(node) && typeof node.value === 'number'
    },
    numberAsWritten: (path) => {
      const node = findNode(doc, path, false)
      return isScalar(node) && typeof node.value === 'number' ? node.source : undefined
    },
  }
}

function failedDocument(file: string, diagnostics: Diagnostic[]): LocatedDocument {
  return { file, value: undefined, diagnostics, locate: () => ({ line: 1, column: 1 }), isNumberNode: () => false }
}

/** Walks the YAML node tree; stops at the deepest node that exists. */
function findNode(doc: Document, path: KeyPath, wantKey = false): Node | undefined {
  const { isAlias, isMap, isScalar, isSeq } = yaml()
  let node: unknown = doc.contents
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc)
    const segment = path[i]
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
      if (!pair) break
      if (wantKey && i === path.length - 1) return pair.key as Node
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment]
    } else {
      break
    }
  }
  return node as Node | undefined
}

/** Key path of the map key written at `offset`. */
function duplicateKeyAt(doc: Document, offset: number): KeyPath | undefined {
  const { isPair, isScalar, isSeq, visit } = yaml()
  let found: KeyPath | undefined
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined
      const path: Array<string | number> = []
      ancestors.forEach((node, i) => {
        if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value))
        else if (isSeq(node)) path.push(node.items.indexOf(ancestors[i + 1] as never))
      })
      found = [...path, String(pair.key.value)]
      return visit.BREAK
    },
  })
  return found
}

/**
 * The parser's own message, first line only (the rest is a copy of the source line), escaped and
 * cut short: some messages quote the offending token, which is input.
 */
function parserMessage(message: string): string {
  const line = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
  const chars = [...line]
  return escapeControl(chars.length > 2 * EXCERPT_LENGTH ? `${chars.slice(0, 2 * EXCERPT_LENGTH).join('')}…` : line)
}

/** `BAD_INDENT` -> `bad-indent`, as a type too: a code the yaml library adds and the catalogue lacks does not compile. */
type KebabCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Lowercase<Head>}-${KebabCase<Tail>}` : Lowercase<S>

function yamlCode(code: ErrorCode): InputCode {
  const named = `yaml-${code.toLowerCase().replaceAll('_', '-')}` as `yaml-${KebabCase<ErrorCode>}`
  return named
}

function syntaxHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'a key may appear only once in a mapping; remove or merge the repeated one'
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs'
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation and punctuation on this line and the one before it'
    default:
      return undefined
  }
}
