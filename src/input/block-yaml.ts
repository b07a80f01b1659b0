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
 * kept until it is resolved: as JavaScript arrays they were about a quarter of the reading's
 * time, most of it the garbage collector copying them while young. Here they are runs of numbers
 * in one typed array (`Ints`), which the collector never copies. A collection at offset `c`:
 * - `[line, column]`, then for each entry of a mapping `keyLine` and a slot, in the order of the
 *   keys of its value (block keys all stand in the mapping's column); for each item of a
 *   sequence, a slot.
 * - A slot is `[ref, line, column]`: `ref` is the offset of a child collection (whose place is its
 *   own `[line, column]`), `SCALAR` for a scalar at `line`, `column`, or `NUMBER - i` for a number
 *   written as `numbers[i]`.
 * A collection is written when it ends, after the collections inside it, so its runs are whole.
 */
const SCALAR = -1
const NUMBER = -2
const MAPPING_ENTRY = 4
const SEQUENCE_ITEM = 3

/** A growing run of 32-bit integers. */
class Ints {
  data = new Int32Array(4096)
  length = 0

  push(value: number): void {
    if (this.length === this.data.length) this.grow()
    this.data[this.length++] = value
  }

  private grow(): void {
    const data = new Int32Array(this.data.length * 2)
    data.set(this.data)
    this.data = data
  }
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
  const reader = new BlockReader(text)
  if (reader.ended || reader.dash || reader.key === undefined) return undefined
  const value = reader.mapping(reader.at)
  if (value === undefined || !reader.ended || reader.outOfSubset) return undefined
  const places = reader.places.data
  const { numbers } = reader

  // The collections along the last path walked: the manifest is located entry after entry, and
  // each path shares all but its last steps with the one before.
  // `depth` steps of them hold: entries past it are left to be overwritten, not cut off.
  const walked: KeyPath[number][] = []
  const walkedNodes: number[] = [reader.ref]
  const walkedValues: unknown[] = [value]
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
      let slot: number
      if (Array.isArray(value)) {
        if (typeof segment !== 'number' || segment >= value.length) break
        slot = node + 2 + SEQUENCE_ITEM * segment
      } else {
        const index = keyIndex(value as Record<string, unknown>, String(segment))
        if (index < 0) break
        const entry = node + 2 + MAPPING_ENTRY * index
        if (wantKey && i === path.length - 1) return { line: places[entry]!, column: places[node + 1]! }
        slot = entry + 1
      }
      const ref = places[slot]!
      // A scalar has nothing below it: the path stops here.
      if (ref < 0) return { line: places[slot + 1]!, column: places[slot + 2]!, source: ref === SCALAR ? undefined : numbers[NUMBER - ref] }
      node = ref
      value = (value as Record<string, unknown>)[segment]
      walked[depth] = segment
      depth++
      walkedNodes[depth] = node
      walkedValues[depth] = value
    }
    return { line: places[node]!, column: places[node + 1]! }
  }
  return {
    value,
    placeOf: (path, key = false) => {
      const { line, column } = nodeAt(path, key)
      return { line, column }
    },
    numberAt: (path) => nodeAt(path, false).source,
  }
}

/** A number as written (the "quote it" hint shows it so), or a scalar's place. */
interface PlacedScalar extends Place {
  source?: string
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
 * Reads the text line by line into values and places, building collections by indentation as
 * YAML block collections nest. One piece of a line is at hand at a time, in the reader's own
 * fields (a line costs no object): a `- ` sequence marker, or what follows it or the indentation
 * (`key:`, `key: value` or a value). The text is never split into lines.
 */
class BlockReader {
  readonly places = new Ints()
  /** The numbers as written, for `NUMBER` slots. */
  readonly numbers: string[] = []
  /** The offset of the collection `mapping` or `sequence` last wrote. */
  ref = 0
  /** No piece is at hand: the text ended, or a line is outside the subset (`outOfSubset`). */
  ended = false
  outOfSubset = false

  // The piece at hand.
  line = 0
  /** 0-based column. */
  at = 0
  dash = false
  key: string | undefined = undefined
  /** Whether a scalar or flow sequence follows `key: ` or `- `; not after `key:` alone. */
  hasValue = false
  value: unknown = undefined
  /** The value's slot: `SCALAR`, a number's, or a flow sequence's offset; and its 1-based column. */
  valueRef = SCALAR
  valueColumn = 0

  /** Entries of the collections being read, moved to `places` as each ends. */
  private readonly open = new Ints()
  /**
   * One copy of each string value: a manifest repeats a few names (partners, databases, statuses)
   * a hundred thousand times, and each match would otherwise be a string of its own, kept as long
   * as the document.
   */
  private readonly strings = new Map<string, string>()
  private lineNumber = 0
  private lineStart = 0
  private lineEnd = 0
  private nextLine = 0
  /** Where what follows a `- ` starts, when it is the next piece. */
  private afterDash = -1

  constructor(private readonly text: string) {
    this.advance()
  }

  /** To the next piece; `ended` at the end of the text, or at a line outside the subset. */
  advance(): void {
    const text = this.text
    if (this.afterDash >= 0) {
      const from = this.afterDash
      this.afterDash = -1
      // `- - x` (a sequence in a sequence on one line) and a bare `-` are left to the YAML reading.
      return from === this.lineEnd || text.charCodeAt(from) === 45 ? this.outside() : this.content(from)
    }
    for (;;) {
      const lineStart = this.nextLine
      if (lineStart > text.length) {
        this.ended = true
        return
      }
      this.lineNumber++
      let lineEnd = text.indexOf('\n', lineStart)
      if (lineEnd < 0) lineEnd = text.length
      this.lineStart = lineStart
      this.lineEnd = lineEnd
      this.nextLine = lineEnd + 1
      let at = lineStart
      while (text.charCodeAt(at) === 32) at++
      if (at === lineEnd || text.charCodeAt(at) === 35 /* # */) continue
      if (text.startsWith('- ', at) || (text.charCodeAt(at) === 45 && at + 1 === lineEnd)) {
        this.piece(at, true)
        this.afterDash = skipSpaces(text, at + 1)
        return
      }
      return this.content(at)
    }
  }

  private piece(at: number, dash: boolean): void {
    this.line = this.lineNumber
    this.at = at - this.lineStart
    this.dash = dash
    this.key = undefined
    this.hasValue = false
  }

  private outside(): void {
    this.outOfSubset = true
    this.ended = true
  }

  /** `key:`, `key: value`, or a value, at `at`. */
  private content(at: number): void {
    const text = this.text
    this.piece(at, false)
    KEY.lastIndex = at
    let from = at
    if (KEY.test(text)) {
      const key = text.slice(at, text.indexOf(':', at))
      // `__proto__` would set the prototype of the plain object built here; YAML reads `null:` as the key "".
      if (key === '__proto__' || ((key.charCodeAt(0) | 32) === 110 /* n, N */ && /^(?:null|Null|NULL)$/.test(key))) return this.outside()
      this.key = key
      from = KEY.lastIndex
    }
    if (this.key !== undefined && (from === this.lineEnd || text.charCodeAt(from) === 35)) return
    const end = this.scalarOrFlow(from)
    if (end < 0) return this.outside()
    LINE_END.lastIndex = end
    if (!LINE_END.test(text)) return this.outside()
    this.hasValue = true
  }

  /** A scalar or a one-line flow sequence of scalars at `at` into the piece's value; where it ends, or -1. */
  private scalarOrFlow(at: number): number {
    const text = this.text
    if (text.charCodeAt(at) !== 91 /* [ */) {
      const end = this.scalar(at, PLAIN)
      this.valueColumn = at - this.lineStart + 1
      return end
    }
    const values: unknown[] = []
    const open = this.open
    const base = open.length
    let i = skipSpaces(text, at + 1)
    let end = -1
    if (text.charCodeAt(i) === 93 /* ] */) end = i + 1
    while (end < 0) {
      const scalarEnd = this.scalar(i, PLAIN_IN_FLOW)
      if (scalarEnd < 0) return -1
      values.push(this.value)
      open.push(this.valueRef)
      open.push(this.line)
      open.push(i - this.lineStart + 1)
      i = skipSpaces(text, scalarEnd)
      const c = text.charCodeAt(i)
      if (c === 93) end = i + 1
      // After a comma comes another item: `[a, b,]` is left to the YAML reading.
      else if (c !== 44 /* , */) return -1
      else i = skipSpaces(text, i + 1)
    }
    this.value = fitted(values)
    this.valueRef = this.close(base, this.line, at - this.lineStart + 1)
    this.valueColumn = at - this.lineStart + 1
    return end
  }

  /**
   * The scalar at `at`, resolved as YAML 1.2's core schema does, into the piece's value and
   * `valueRef` (a number keeps its text); where it ends, or -1.
   */
  private scalar(at: number, plain: RegExp): number {
    const text = this.text
    this.valueRef = SCALAR
    const c = text.charCodeAt(at)
    if (c === 34 /* " */) {
      DOUBLE_QUOTED.lastIndex = at
      const match = DOUBLE_QUOTED.exec(text)
      if (!match) return -1
      // Within these escapes, JSON and YAML double-quoted strings mean the same.
      this.value = this.interned(JSON.parse(match[0]) as string)
      return DOUBLE_QUOTED.lastIndex
    }
    if (c === 39 /* ' */) {
      SINGLE_QUOTED.lastIndex = at
      const match = SINGLE_QUOTED.exec(text)
      if (!match) return -1
      this.value = this.interned(match[0].slice(1, -1).replaceAll("''", "'"))
      return SINGLE_QUOTED.lastIndex
    }
    plain.lastIndex = at
    if (!plain.test(text)) return -1
    const end = plain.lastIndex
    const written = text.slice(at, end)
    // Only a scalar that starts like null, a boolean or a number can be one: most are names, and
    // skip the tests (a manifest has hundreds of thousands of them).
    const first = written.charCodeAt(0) | 32
    let value: unknown = written
    if (first === 110 /* n */ || first === 126 /* ~ */) {
      if (/^(?:~|null|Null|NULL)$/.test(written)) value = null
    } else if (first === 116 /* t */) {
      if (/^(?:true|True|TRUE)$/.test(written)) value = true
    } else if (first === 102 /* f */) {
      if (/^(?:false|False|FALSE)$/.test(written)) value = false
    } else if ((first >= 48 && first <= 57) || first === 46 /* 0-9 . */) {
      if (/^[0-9]+$/.test(written)) value = Number.parseInt(written, 10)
      else if (/^(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[0-9]+[eE][-+]?[0-9]+$/.test(written)) value = Number.parseFloat(written)
      // Other numbers of the core schema (0x1F, 0o17, .inf, .nan) are rare in a manifest: the YAML reading resolves them.
      else if (/^(?:0x|0o|\.(?:inf|Inf|INF|nan|NaN|NAN)$)/.test(written)) return -1
      if (typeof value === 'number') this.valueRef = NUMBER - (this.numbers.push(written) - 1)
    }
    this.value = typeof value === 'string' ? this.interned(value) : value
    return end
  }

  private interned(value: string): string {
    const known = this.strings.get(value)
    if (known !== undefined) return known
    this.strings.set(value, value)
    return value
  }

  /** The mapping whose keys stand at column `at`, its place in `ref`; `undefined` when anything is outside the subset. */
  mapping(at: number): Record<string, unknown> | undefined {
    const value: Record<string, unknown> = {}
    const line = this.line
    const column = this.at + 1
    const open = this.open
    const base = open.length
    while (!this.ended && this.at >= at) {
      const key = this.key
      if (this.at > at || this.dash || key === undefined || Object.hasOwn(value, key)) return undefined
      const keyLine = this.line
      open.push(keyLine)
      if (this.hasValue) {
        value[key] = this.value
        open.push(this.valueRef)
        open.push(keyLine)
        open.push(this.valueColumn)
        this.advance()
        continue
      }
      this.advance()
      // `key:` then a sequence at the key's own column or deeper, or a mapping deeper; an empty value is left to the YAML reading.
      let entry: unknown
      if (!this.ended && this.dash && this.at >= at) entry = this.sequence(this.at)
      else if (!this.ended && !this.dash && this.at > at) entry = this.mapping(this.at)
      if (entry === undefined) return undefined
      value[key] = entry
      open.push(this.ref)
      open.push(0)
      open.push(0)
    }
    if (this.outOfSubset) return undefined
    this.ref = this.close(base, line, column)
    return value
  }

  /** The sequence whose `-` stand at column `at`, its place in `ref`. */
  sequence(at: number): unknown[] | undefined {
    const value: unknown[] = []
    const line = this.line
    const column = this.at + 1
    const open = this.open
    const base = open.length
    while (!this.ended && this.at >= at && (this.at > at || this.dash)) {
      if (this.at > at) return undefined
      const dashLine = this.line
      this.advance()
      // What follows `- ` is on the same line: a scalar, a flow sequence, or the first key of a mapping.
      if (this.ended || this.line !== dashLine) return undefined
      if (this.key !== undefined) {
        const item = this.mapping(this.at)
        if (item === undefined) return undefined
        value.push(item)
        open.push(this.ref)
        open.push(0)
        open.push(0)
      } else {
        // A scalar item stands on its dash's line, not on the sequence's first line.
        value.push(this.value)
        open.push(this.valueRef)
        open.push(this.line)
        open.push(this.valueColumn)
        this.advance()
      }
    }
    if (this.outOfSubset) return undefined
    this.ref = this.close(base, line, column)
    return fitted(value)
  }

  /** Writes a collection placed at `line`, `column` with the entries open past `base`; its offset. */
  private close(base: number, line: number, column: number): number {
    const { places, open } = this
    const ref = places.length
    places.push(line)
    places.push(column)
    for (let i = base; i < open.length; i++) places.push(open.data[i]!)
    open.length = base
    return ref
  }
}
