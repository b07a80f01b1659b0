/** Keys and indexes from the root, as `LocatedDocument` takes them. */
type KeyPath = ReadonlyArray<string | number>

/**
 * JSON read with `JSON.parse` (a snapshot of 100,000 integrations in tens of milliseconds, where
 * a YAML document tree takes seconds and gigabytes), with the offset of any value found on demand.
 */
export interface JsonText {
  value: unknown
  /** Offset of the value at `path`, or of its closest existing ancestor; `key: true` gives the offset of a map entry's key. */
  offsetOf(path: KeyPath, key?: boolean): number
  /** The number at `path` as written, when the value there (or at its closest existing ancestor) is a number. */
  numberAt(path: KeyPath): string | undefined
}

/**
 * `undefined` unless the text is JSON that YAML 1.2 reads as exactly the same document, with no
 * diagnostic: well-formed, no key twice in one object (`JSON.parse` keeps the last silently; YAML
 * reports it), and no carriage return that is not part of a CRLF (YAML reads a lone one as a line
 * break, JSON as a space). Such text is left to the YAML reading, which says what is wrong where.
 */
export function readJsonText(text: string): JsonText | undefined {
  const first = text.charCodeAt(skipWhitespace(text, 0))
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (hasLoneCarriageReturn(text) || keysWritten(text) !== keysParsed(value)) return undefined
  return locatedJson(value, () => text)
}

/**
 * `readJsonText` of a UTF-8 text handed over in chunks (the bounded reader's `readInputChunks`,
 * each chunk ending where a character ends), the same answer, without ever holding the whole
 * text, neither its bytes nor one string: one scan over the bytes, kept going from chunk to
 * chunk, skips strings, counts the keys written (`JSON.parse` keeps the last of a repeated key
 * silently), and cuts out each element of an array directly under the root (a snapshot's
 * clusters), parsed as soon as it ends; the rest is parsed as one small text with a placeholder
 * for each element. One character past Latin-1 (in a status message, say) would make a whole
 * text a two-byte string, 46 MB for a snapshot of 100,000 integrations; the pieces are small
 * strings that die young. `push` answers false, and `end` `undefined`, as soon as the text is
 * not read this way (the caller then reads it whole, as YAML if need be). `textOf` gives the
 * whole text, only when a position is asked for.
 */
export class JsonChunks {
  private first = true
  private started = false
  private failed = false
  private depth = 0
  private inString = false
  private escaped = false
  /** A string just closed: the next byte that is not whitespace says whether it was a key. */
  private afterString = false
  /** The last byte was a CR: the next must be LF. */
  private afterCr = false
  private keys = 0
  /** `keys` where the element being read began: its own keys are checked as soon as it is parsed, while it is young. */
  private elementKeys = 0
  /** Inside an array directly under the root; `elements` of it so far. */
  private inArray = false
  private elements: unknown[] = []
  private readonly arrays: unknown[][] = []
  private readonly skeleton: string[] = []
  /** The bytes of the piece being read (an element, or the skeleton between arrays) from earlier chunks. */
  private carried: Buffer[] = []

  /** Reads one more chunk; false once the text cannot be read this way. */
  push(chunk: Buffer): boolean {
    if (this.failed) return false
    let i = 0
    const n = chunk.length
    if (!this.started) {
      // The bounded reader's decoding drops a byte order mark: the pieces leave it out too.
      if (this.first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3
      this.first = false
      for (; i < n; i++) {
        const c = chunk[i]!
        if (this.afterCr) {
          if (c !== LF) return this.fail()
          this.afterCr = false
        } else if (c === CR) this.afterCr = true
        else if (c !== SPACE && c !== LF && c !== TAB) break
      }
      if (i === n) return true
      if (chunk[i] !== OPEN_BRACE && chunk[i] !== OPEN_BRACKET) return this.fail()
      this.started = true
    }
    let from = i
    for (; i < n; i++) {
      const c = chunk[i]!
      if (this.afterCr) {
        if (c !== LF) return this.fail()
        this.afterCr = false
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === BACKSLASH) this.escaped = true
        else if (c === QUOTE) {
          this.inString = false
          this.afterString = true
        }
        continue
      }
      if (c === SPACE || c === LF || c === TAB) continue
      if (c === CR) {
        this.afterCr = true
        continue
      }
      if (this.afterString) {
        this.afterString = false
        if (c === COLON) this.keys++
      }
      if (c === QUOTE) {
        this.inString = true
      } else if (c === COMMA) {
        if (this.inArray && this.depth === 2) {
          if (!this.element(chunk, from, i)) return this.fail()
          from = i + 1
          this.elementKeys = this.keys
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++
        if (this.depth === 2 && c === OPEN_BRACKET) {
          this.skeleton.push(this.piece(chunk, from, i + 1))
          this.inArray = true
          this.elements = []
          from = i + 1
          this.elementKeys = this.keys
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.inArray && this.depth === 2) {
          const last = this.piece(chunk, from, i)
          if (isBlankText(last)) {
            if (this.elements.length > 0) return this.fail()
          } else if (!this.parsedElement(last)) return this.fail()
          // Each element written as the array's number, put in its place after the skeleton is parsed.
          if (this.elements.length > 0) {
            this.skeleton.push(Array(this.elements.length).fill(this.arrays.length).join(','))
            this.arrays.push(this.elements)
          }
          this.inArray = false
          from = i
        }
        this.depth--
      }
    }
    if (from < n) this.carried.push(Buffer.from(chunk.subarray(from, n)))
    return true
  }

  /** The value and its places, or `undefined` when the text is not read this way. */
  end(textOf: () => string): JsonText | undefined {
    if (this.failed || !this.started || this.afterCr || this.inArray) return undefined
    let root: unknown
    try {
      // The skeleton's last stretch, since the last array under the root closed, is all carried.
      root = JSON.parse(this.skeleton.join('') + Buffer.concat(this.carried).toString('utf8'))
    } catch {
      return undefined
    }
    // Every piece parsed, so the scan's strings are the text's: fewer keys parsed than written
    // means one was repeated. Here the keys outside the elements, each element's were checked.
    if (this.keys !== keysParsed(root)) return undefined
    // The placeholders, in place: every non-empty array under the root holds one array's numbers.
    for (const child of typeof root === 'object' && root !== null ? Object.values(root) : []) {
      if (!Array.isArray(child) || child.length === 0) continue
      const values = this.arrays[child[0] as number]!
      for (let i = 0; i < values.length; i++) child[i] = values[i]
    }
    return locatedJson(root, textOf)
  }

  private fail(): false {
    this.failed = true
    this.carried = []
    return false
  }

  /** The text of the piece that ends at `to` of `chunk` (starting at `from`, or in an earlier chunk). */
  private piece(chunk: Buffer, from: number, to: number): string {
    if (this.carried.length === 0) return chunk.toString('utf8', from, to)
    this.carried.push(chunk.subarray(from, to))
    const text = Buffer.concat(this.carried).toString('utf8')
    this.carried = []
    return text
  }

  private element(chunk: Buffer, from: number, to: number): boolean {
    const text = this.piece(chunk, from, to)
    return !isBlankText(text) && this.parsedElement(text)
  }

  /** Parses an element whose keys are those written since `elementKeys`, and takes them off `keys`. */
  private parsedElement(text: string): boolean {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return false
    }
    if (keysParsed(value) !== this.keys - this.elementKeys) return false
    this.keys = this.elementKeys
    this.elements.push(value)
    return true
  }
}

function isBlankText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return false
  }
  return true
}

/** Offsets and numbers as written, for a value read from `textOf()`'s JSON text, found only when asked for. */
function locatedJson(value: unknown, textOf: () => string): JsonText {
  let root: JsonNode | undefined
  const nodeAt = (path: KeyPath, wantKey: boolean): { node: JsonNode; keyAt?: number } => {
    let node = (root ??= indexJson(textOf()))
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]
      if (node.entries) {
        const entry = node.entries.get(String(segment))
        if (!entry) break
        if (wantKey && i === path.length - 1) return { node: entry.node, keyAt: entry.keyAt }
        node = entry.node
      } else if (node.items && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment]
      } else {
        break
      }
    }
    return { node }
  }
  return {
    value,
    offsetOf: (path, key = false) => {
      const found = nodeAt(path, key)
      return found.keyAt ?? found.node.at
    },
    numberAt: (path) => {
      const text = textOf()
      const { at } = nodeAt(path, false).node
      const c = text.charCodeAt(at)
      return c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9) ? text.slice(at, scalarEnd(text, at)) : undefined
    },
  }
}

/** Where each value of a JSON text starts; built only when a position is asked for. */
interface JsonNode {
  at: number
  entries?: Map<string, { keyAt: number; node: JsonNode }>
  items?: JsonNode[]
}

const [TAB, LF, CR, SPACE] = [9, 10, 13, 32]
const [QUOTE, COMMA, MINUS, COLON, BACKSLASH] = [34, 44, 45, 58, 92]
const [DIGIT_0, DIGIT_9] = [48, 57]
const [OPEN_BRACKET, CLOSE_BRACKET, OPEN_BRACE, CLOSE_BRACE] = [91, 93, 123, 125]

function skipWhitespace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === SPACE || c === LF || c === CR || c === TAB; c = text.charCodeAt(++i));
  return i
}

/** A CR not followed by LF; `indexOf` finds none in most texts far faster than a regular expression (30 ms for a 23 MB snapshot). */
function hasLoneCarriageReturn(text: string): boolean {
  for (let cr = text.indexOf('\r'); cr >= 0; cr = text.indexOf('\r', cr + 1)) if (text.charCodeAt(cr + 1) !== LF) return true
  return false
}

/** The offset just past the string that opens at `i`; found with `indexOf`, which is far faster than a loop over characters. */
function stringEnd(text: string, i: number): number {
  let quote = text.indexOf('"', i + 1)
  for (;;) {
    let backslashes = 0
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return quote + 1
    quote = text.indexOf('"', quote + 1)
  }
}

/** The end of a number, `true`, `false` or `null`. */
function scalarEnd(text: string, i: number): number {
  for (let c = text.charCodeAt(i); i < text.length && c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET && c !== SPACE && c !== LF && c !== CR && c !== TAB; c = text.charCodeAt(++i));
  return i
}

/** How many object keys the text writes: the strings followed by a colon. Outside strings, well-formed JSON has no quote. */
function keysWritten(text: string): number {
  let count = 0
  for (let quote = text.indexOf('"'); quote >= 0; ) {
    const end = stringEnd(text, quote)
    if (text.charCodeAt(skipWhitespace(text, end)) === COLON) count++
    quote = text.indexOf('"', end)
  }
  return count
}

/** How many keys the parsed objects hold: fewer than written means a key was repeated. */
function keysParsed(value: unknown): number {
  let count = 0
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next !== 'object' || next === null) continue
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item)
    } else {
      for (const key of Object.keys(next)) {
        count++
        pending.push((next as Record<string, unknown>)[key])
      }
    }
  }
  return count
}

/** The start of every value of well-formed JSON, in one pass without recursion (nesting depth is the input's). */
function indexJson(text: string): JsonNode {
  const open: Array<{ node: JsonNode; key?: string; keyAt?: number }> = []
  let root: JsonNode | undefined
  for (let i = skipWhitespace(text, 0); i < text.length; i = skipWhitespace(text, i)) {
    const c = text.charCodeAt(i)
    if (c === COMMA) {
      i++
      continue
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      open.pop()
      i++
      continue
    }
    const parent = open.at(-1)
    if (parent?.node.entries && parent.key === undefined) {
      const end = stringEnd(text, i)
      const written = text.slice(i, end)
      parent.key = written.includes('\\') ? (JSON.parse(written) as string) : written.slice(1, -1)
      parent.keyAt = i
      i = skipWhitespace(text, end) + 1
      continue
    }
    const node: JsonNode = { at: i }
    if (!parent) root = node
    else if (parent.node.items) parent.node.items.push(node)
    else {
      parent.node.entries!.set(parent.key!, { keyAt: parent.keyAt!, node })
      parent.key = undefined
    }
    if (c === OPEN_BRACE) {
      node.entries = new Map()
      open.push({ node })
      i++
    } else if (c === OPEN_BRACKET) {
      node.items = []
      open.push({ node })
      i++
    } else {
      i = c === QUOTE ? stringEnd(text, i) : scalarEnd(text, i)
    }
  }
  return root!
}
