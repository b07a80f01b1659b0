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
 * `readJsonText` of the UTF-8 text `bytes` hold (valid UTF-8, as the bounded reader checks it),
 * the same answer, without decoding them into one string: the elements of every array directly
 * under the root (a snapshot's clusters) are decoded and parsed one by one, and the rest, with a
 * placeholder for each element, as one small text. One character past Latin-1 (in a status
 * message, say) makes a whole text a two-byte string, 46 MB for a snapshot of 100,000
 * integrations; the pieces are small strings that die young. The text is decoded whole only
 * by `decodeText`, as the bounded reader decodes it, and only when a position is asked for.
 * `undefined` for anything else, as `readJsonText` (the caller then reads the text as YAML).
 */
export function readJsonBytes(bytes: Buffer, decodeText: () => string): JsonText | undefined {
  // The bounded reader's decoding drops a byte order mark: the pieces leave it out too.
  const start = skipWhitespaceBytes(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0)
  if (bytes[start] !== OPEN_BRACE && bytes[start] !== OPEN_BRACKET) return undefined
  for (let cr = bytes.indexOf(CR); cr >= 0; cr = bytes.indexOf(CR, cr + 1)) if (bytes[cr + 1] !== LF) return undefined
  const scanned = rootArrays(bytes, start)
  if (!scanned) return undefined
  const { arrays, keys } = scanned
  const decode = (from: number, to: number): string => bytes.toString('utf8', from, to)

  // The root, each split array's elements written as the array's number.
  const skeleton: string[] = []
  let at = start
  arrays.forEach((array, k) => {
    skeleton.push(decode(at, array.open + 1), Array(array.elements.length / 2).fill(k).join(','))
    at = array.close
  })
  skeleton.push(decode(at, bytes.length))
  const skeletonText = skeleton.join('')
  let root: unknown
  const pieces: unknown[][] = []
  try {
    root = JSON.parse(skeletonText)
    for (const array of arrays) {
      const values: unknown[] = []
      for (let i = 0; i < array.elements.length; i += 2) values.push(JSON.parse(decode(array.elements[i]!, array.elements[i + 1]!)))
      pieces.push(values)
    }
  } catch {
    return undefined
  }
  // The placeholders, in place: every non-empty array under the root holds one array's numbers.
  for (const child of typeof root === 'object' && root !== null ? Object.values(root) : []) {
    if (!Array.isArray(child) || child.length === 0) continue
    const values = pieces[child[0] as number]!
    for (let i = 0; i < values.length; i++) child[i] = values[i]
  }
  // Every piece parsed, so the scan's strings are the text's: fewer keys parsed than written means one was repeated.
  if (keys !== keysParsed(root)) return undefined
  let text: string | undefined
  return locatedJson(root, () => (text ??= decodeText()))
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

/** An array directly under the root: where it opens and closes, and `[from, to)` of each element (two numbers each). */
interface RootArray {
  open: number
  close: number
  elements: number[]
}

/**
 * The non-empty arrays directly under the root, with their elements' byte ranges, and how many
 * object keys the text writes (strings followed by a colon), in one pass over the bytes (strings
 * skipped, escapes included). A byte past ASCII never looks like JSON punctuation in UTF-8.
 * `undefined` when an element is empty (`[1,,2]`, `[1,]`): not JSON.
 */
function rootArrays(bytes: Uint8Array, start: number): { arrays: RootArray[]; keys: number } | undefined {
  const arrays: RootArray[] = []
  let keys = 0
  let depth = 0
  let current: RootArray | undefined
  let from = 0
  const n = bytes.length
  for (let i = start; i < n; i++) {
    const c = bytes[i]!
    if (c === QUOTE) {
      for (i++; i < n; i++) {
        const d = bytes[i]!
        if (d === BACKSLASH) i++
        else if (d === QUOTE) break
      }
      if (bytes[skipWhitespaceBytes(bytes, i + 1)] === COLON) keys++
    } else if (c === COMMA) {
      if (current && depth === 2) {
        if (isBlank(bytes, from, i)) return undefined
        current.elements.push(from, i)
        from = i + 1
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
      if (depth === 2 && c === OPEN_BRACKET) {
        current = { open: i, close: i, elements: [] }
        from = i + 1
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (current && depth === 2) {
        const blank = isBlank(bytes, from, i)
        if (blank && current.elements.length > 0) return undefined
        if (!blank) current.elements.push(from, i)
        current.close = i
        if (current.elements.length > 0) arrays.push(current)
        current = undefined
      }
      depth--
    }
  }
  return { arrays, keys }
}

function isBlank(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return false
  }
  return true
}

function skipWhitespaceBytes(bytes: Uint8Array, i: number): number {
  for (let c = bytes[i]; c === SPACE || c === LF || c === CR || c === TAB; c = bytes[++i]);
  return i
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
