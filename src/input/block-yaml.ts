/**
 * The plain block YAML that manifests are made of (mappings of simple keys, `- ` sequences,
 * scalars, one-line flow sequences of scalars, comments), read line by line. A YAML document
 * tree costs about forty times the text in memory and seconds for a manifest of 100,000
 * integrations; this reading costs a fraction of that and still knows where every value is.
 * Anything outside that subset (anchors, tags, block scalars, flow mappings, multi-line scalars,
 * a key written twice, tabs, any doubt) is left to the YAML document reading.
 */

/** Keys and indexes from the root, as `LocatedDocument` takes them. */
type KeyPath = ReadonlyArray<string | number>

export interface Place {
  line: number
  column: number
}

export interface BlockYamlText {
  value: unknown
  /** Where the value at `path` starts, or its closest existing ancestor; `key: true` gives a map entry's key. */
  placeOf(path: KeyPath, key?: boolean): Place
  /** The number at `path` as written, when the value there (or at its closest existing ancestor) is a number. */
  numberAt(path: KeyPath): string | undefined
}

/**
 * Where a collection and everything in it stand, as the YAML reading puts them: a mapping at its
 * first key, a sequence at its first `-`. A manifest has hundreds of thousands of collections,
 * kept until it is resolved, so each is one array of numbers and children, and no more:
 * - a mapping: `[line, column, keyLine, child, keyLine, child, ...]`, entries in the order of the
 *   keys of its value (block keys all stand in the mapping's column);
 * - a sequence: `[line, column, child, child, ...]`.
 * A child is a `PlacedCollection`; or only a column (`Column`) for a scalar that is not a number
 * and stands on its key's line or its flow sequence's line; else a `PlacedScalar`.
 */
type PlacedCollection = Array<number | PlacedChild>
type PlacedChild = PlacedCollection | PlacedScalar | Column

/** A number (with the scalar as written), or a scalar item of a block sequence, on its own line. */
interface PlacedScalar extends Place {
  source?: string
}

/** The column of a scalar on its parent's line (see `PlacedCollection`). */
type Column = number

/** One piece of a line: a `- ` sequence marker, or what follows it or the indentation. */
interface Piece {
  line: number
  /** 0-based column. */
  at: number
  dash: boolean
  key: string | undefined
  /** A scalar or flow sequence after `key: ` or `- `; absent after `key:` alone. */
  value: { value: unknown; node: PlacedChild } | undefined
}

/** Not in this reading: control characters (tab and CR included), a byte order mark, document markers, directives. */
// eslint-disable-next-line no-control-regex
const OUT_OF_SUBSET = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF]|^(?:---|\.\.\.|%)/m
/** A key and its colon; the key is the text up to the colon, which a key never holds. */
const KEY = /[A-Za-z_][A-Za-z0-9_-]*:(?: +|$)/my
const DOUBLE_QUOTED = /"(?:[^"\\\n]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y
const SINGLE_QUOTED = /'(?:[^'\n]|'')*'/y
/** A plain scalar of block context: no `#`, no `: `, no leading indicator; `:` inside (an ARN) is fine. */
const PLAIN = /[\p{L}\p{N}_./](?:[^\s#:]|:(?=\S)| +(?=[^\s#]))*/uy
/** A plain scalar inside `[...]`: neither flow indicators nor `:` either. */
const PLAIN_IN_FLOW = /[\p{L}\p{N}_./](?:[^\s#:,[\]{}]| +(?=[^\s#:,[\]{}]))*/uy
const LINE_END = /(?: +#.*| *)$/my

/** `undefined` unless the whole text is in the subset, with no key twice: then the value and places are the YAML reading's. */
export function readBlockYaml(text: string): BlockYamlText | undefined {
  if (OUT_OF_SUBSET.test(text)) return undefined
  const reader = new PieceReader(piecesOf(text, new Map()))
  const first = reader.peek()
  if (!first || first.dash || first.key === undefined) return undefined
  const root = reader.mapping(first.at)
  if (!root || reader.peek() !== undefined || reader.outOfSubset) return undefined

  // The collections along the last path walked: the manifest is located entry after entry, and
  // each path shares all but its last steps with the one before.
  // `depth` steps of them hold: entries past it are left to be overwritten, not cut off.
  const walked: KeyPath[number][] = []
  const walkedNodes: PlacedCollection[] = [root.node]
  const walkedValues: unknown[] = [root.value]
  let depth = 0
  const nodeAt = (path: KeyPath, wantKey: boolean): PlacedScalar => {
    // A key's place is read from its mapping: the walk then starts at most at the path's parent.
    const shared = wantKey ? path.length - 1 : path.length
    let start = 0
    while (start < shared && start < depth && path[start] === walked[start]) start++
    depth = start
    let node = walkedNodes[start]!
    let value = walkedValues[start]
    for (let i = start; i < path.length; i++) {
      const segment = path[i]
      let child: PlacedChild
      let line: number
      if (Array.isArray(value)) {
        if (typeof segment !== 'number' || segment >= value.length) break
        line = node[0] as number
        child = node[2 + segment] as PlacedChild
      } else {
        const index = keyIndex(value as Record<string, unknown>, String(segment))
        if (index < 0) break
        line = node[2 + 2 * index] as number
        if (wantKey && i === path.length - 1) return { line, column: node[1] as number }
        child = node[3 + 2 * index] as PlacedChild
      }
      // A scalar has nothing below it: the path stops here.
      if (typeof child === 'number') return { line, column: child }
      if (!Array.isArray(child)) return child
      node = child
      value = (value as Record<string, unknown>)[segment]
      walked[depth] = segment
      depth++
      walkedNodes[depth] = node
      walkedValues[depth] = value
    }
    return { line: node[0] as number, column: node[1] as number }
  }
  return {
    value: root.value,
    placeOf: (path, key = false) => {
      const { line, column } = nodeAt(path, key)
      return { line, column }
    },
    numberAt: (path) => nodeAt(path, false).source,
  }
}

/**
 * The place of `key` among the keys of a mapping read here, in the order they were written; -1
 * if absent. These keys are never integer-like (see `KEY`), so the order of an object's keys is
 * the order they were set in; and nothing changes a document's value once it is read.
 */
function keyIndex(mapping: Record<string, unknown>, key: string): number {
  let index = 0
  for (const k in mapping) {
    if (k === key) return index
    index++
  }
  return -1
}

/**
 * The pieces of every line, as they are needed: the text is never split into lines, and no list
 * of pieces is kept. Yields `null` at the first line outside the subset, and stops.
 */
function* piecesOf(text: string, strings: Strings): Generator<Piece | null> {
  let line = 0
  for (let lineStart = 0; lineStart <= text.length; lineStart++) {
    line++
    let lineEnd = text.indexOf('\n', lineStart)
    if (lineEnd < 0) lineEnd = text.length
    let at = lineStart
    while (text.charCodeAt(at) === 32) at++
    if (at === lineEnd || text.charCodeAt(at) === 35 /* # */) {
      lineStart = lineEnd
      continue
    }
    if (text.startsWith('- ', at) || (text.charCodeAt(at) === 45 && at + 1 === lineEnd)) {
      yield { line, at: at - lineStart, dash: true, key: undefined, value: undefined }
      at = skipSpaces(text, at + 1)
      // `- - x` (a sequence in a sequence on one line) and a bare `-` are left to the YAML reading.
      if (at === lineEnd || text.charCodeAt(at) === 45) return yield null
    }
    // Every piece has every member (one shape for the readers below), so `key` and `value` are set after.
    const piece: Piece = { line, at: at - lineStart, dash: false, key: undefined, value: undefined }
    KEY.lastIndex = at
    let from = at
    if (KEY.test(text)) {
      const key = text.slice(at, text.indexOf(':', at))
      // `__proto__` would set the prototype of the plain object built here; YAML reads `null:` as the key "".
      if (key === '__proto__' || ((key.charCodeAt(0) | 32) === 110 /* n, N */ && /^(?:null|Null|NULL)$/.test(key))) return yield null
      piece.key = key
      from = KEY.lastIndex
    }
    if (piece.key !== undefined && (from === lineEnd || text.charCodeAt(from) === 35)) {
      yield piece
    } else {
      const value = scalarOrFlow(text, from, line, lineStart, strings)
      if (!value) return yield null
      LINE_END.lastIndex = value.end
      if (!LINE_END.test(text)) return yield null
      piece.value = value
      yield piece
    }
    lineStart = lineEnd
  }
}

/** A scalar or a one-line flow sequence of scalars at `at`, resolved as YAML 1.2's core schema does. */
function scalarOrFlow(source: string, at: number, line: number, lineStart: number, strings: Strings): { value: unknown; node: PlacedChild; end: number } | undefined {
  if (source.charCodeAt(at) !== 91 /* [ */) {
    const scalar = scalarAt(source, at, PLAIN, strings)
    if (!scalar) return undefined
    const column = at - lineStart + 1
    return { value: scalar.value, node: scalar.source === undefined ? column : { line, column, source: scalar.source }, end: scalar.end }
  }
  const values: unknown[] = []
  const node: PlacedCollection = [line, at - lineStart + 1]
  let i = skipSpaces(source, at + 1)
  if (source.charCodeAt(i) === 93 /* ] */) return { value: values, node, end: i + 1 }
  for (;;) {
    const scalar = scalarAt(source, i, PLAIN_IN_FLOW, strings)
    if (!scalar) return undefined
    values.push(scalar.value)
    const column = i - lineStart + 1
    node.push(scalar.source === undefined ? column : { line, column, source: scalar.source })
    i = skipSpaces(source, scalar.end)
    const c = source.charCodeAt(i)
    if (c === 93) return { value: fitted(values), node: fitted(node), end: i + 1 }
    // After a comma comes another item: `[a, b,]` is left to the YAML reading.
    if (c !== 44 /* , */) return undefined
    i = skipSpaces(source, i + 1)
  }
}

/**
 * A copy with no spare room. An array filled by `push` keeps room for 17 elements, about 150 bytes,
 * however few it holds; a manifest has hundreds of thousands of one- and two-element arrays, kept
 * until the run ends.
 */
function fitted<T>(array: T[]): T[] {
  return array.slice()
}

function skipSpaces(source: string, i: number): number {
  while (source.charCodeAt(i) === 32) i++
  return i
}

/**
 * One copy of each string value: a manifest repeats a few names (partners, databases, statuses)
 * a hundred thousand times, and each match would otherwise be a string of its own, kept as long
 * as the document.
 */
type Strings = Map<string, string>

function interned(strings: Strings, value: string): string {
  const known = strings.get(value)
  if (known !== undefined) return known
  strings.set(value, value)
  return value
}

/** `source` is set for numbers only (the "quote it" hint shows a number as written); every result has it, for one shape. */
function scalarAt(source: string, at: number, plain: RegExp, strings: Strings): { value: unknown; end: number; source?: string } | undefined {
  const c = source.charCodeAt(at)
  if (c === 34 /* " */) {
    DOUBLE_QUOTED.lastIndex = at
    const match = DOUBLE_QUOTED.exec(source)
    // Within these escapes, JSON and YAML double-quoted strings mean the same.
    return match ? { value: interned(strings, JSON.parse(match[0]) as string), end: DOUBLE_QUOTED.lastIndex, source: undefined } : undefined
  }
  if (c === 39 /* ' */) {
    SINGLE_QUOTED.lastIndex = at
    const match = SINGLE_QUOTED.exec(source)
    return match ? { value: interned(strings, match[0].slice(1, -1).replaceAll("''", "'")), end: SINGLE_QUOTED.lastIndex, source: undefined } : undefined
  }
  plain.lastIndex = at
  if (!plain.test(source)) return undefined
  const end = plain.lastIndex
  const written = source.slice(at, end)
  // Only a scalar that starts like null, a boolean or a number can be one: most are names, and
  // skip the tests (a manifest has hundreds of thousands of them).
  const first = written.charCodeAt(0) | 32
  if (first === 110 /* n */ || first === 126 /* ~ */) {
    if (/^(?:~|null|Null|NULL)$/.test(written)) return { value: null, end, source: undefined }
  } else if (first === 116 /* t */) {
    if (/^(?:true|True|TRUE)$/.test(written)) return { value: true, end, source: undefined }
  } else if (first === 102 /* f */) {
    if (/^(?:false|False|FALSE)$/.test(written)) return { value: false, end, source: undefined }
  } else if ((first >= 48 && first <= 57) || first === 46 /* 0-9 . */) {
    if (/^[0-9]+$/.test(written)) return { value: Number.parseInt(written, 10), end, source: written }
    if (/^(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[0-9]+[eE][-+]?[0-9]+$/.test(written)) return { value: Number.parseFloat(written), end, source: written }
    // Other numbers of the core schema (0x1F, 0o17, .inf, .nan) are rare in a manifest: the YAML reading resolves them.
    if (/^(?:0x|0o|\.(?:inf|Inf|INF|nan|NaN|NAN)$)/.test(written)) return undefined
  }
  return { value: interned(strings, written), end, source: undefined }
}

/** Builds values and places from the pieces, by indentation, as YAML block collections nest. */
class PieceReader {
  /** Set when the pieces stopped at a line outside the subset. */
  outOfSubset = false
  private current: Piece | undefined

  constructor(private readonly pieces: Generator<Piece | null>) {
    this.advance()
  }

  /** The piece at hand; `undefined` at the end of the text, or at a line outside the subset. */
  peek(): Piece | undefined {
    return this.current
  }

  advance(): void {
    const next = this.pieces.next()
    if (next.value === null) this.outOfSubset = true
    this.current = next.done || next.value === null ? undefined : next.value
  }

  /** The mapping whose keys stand at column `at`; `undefined` when anything is outside the subset. */
  mapping(at: number): { value: Record<string, unknown>; node: PlacedCollection } | undefined {
    const value: Record<string, unknown> = {}
    const first = this.current!
    const node: PlacedCollection = [first.line, first.at + 1]
    for (let piece = this.current; piece; piece = this.current) {
      if (piece.at < at) break
      if (piece.at > at || piece.dash || piece.key === undefined || Object.hasOwn(value, piece.key)) return undefined
      this.advance()
      let entry: { value: unknown; node: PlacedChild } | undefined = piece.value
      if (!entry) {
        const below = this.current
        // `key:` then a sequence at the key's own column or deeper, or a mapping deeper; an empty value is left to the YAML reading.
        if (below?.dash && below.at >= at) entry = this.sequence(below.at)
        else if (below && !below.dash && below.at > at) entry = this.mapping(below.at)
        if (!entry) return undefined
      }
      value[piece.key] = entry.value
      node.push(piece.line, entry.node)
    }
    return this.outOfSubset ? undefined : { value, node: fitted(node) }
  }

  /** The sequence whose `-` stand at column `at`. */
  sequence(at: number): { value: unknown[]; node: PlacedCollection } | undefined {
    const value: unknown[] = []
    const first = this.current!
    const node: PlacedCollection = [first.line, first.at + 1]
    for (let piece = this.current; piece; piece = this.current) {
      if (piece.at < at || (piece.at === at && !piece.dash)) break
      if (piece.at > at || !piece.dash) return undefined
      this.advance()
      const content = this.current
      // What follows `- ` is on the same line: a scalar, a flow sequence, or the first key of a mapping.
      if (!content || content.line !== piece.line) return undefined
      let item: { value: unknown; node: PlacedChild } | undefined
      if (content.key !== undefined) item = this.mapping(content.at)
      else {
        item = content.value
        this.advance()
      }
      if (!item) return undefined
      value.push(item.value)
      // A scalar item stands on its dash's line, not on the sequence's first line.
      node.push(typeof item.node === 'number' ? { line: content.line, column: item.node } : item.node)
    }
    return this.outOfSubset ? undefined : { value: fitted(value), node: fitted(node) }
  }
}
