/**
 * Reads the raw bytes of an HTTP 2xx DescribePartners answer, strictly, in place of the SDK.
 *
 * Why not the SDK's reading: its awsQuery deserializer (3.11xx) is lenient in ways that
 * fail open for a gate. Measured against a local server:
 *   - an empty body, a well-formed HTML page, another root element such as
 *     `<DescribeClustersResponse>`, or a `<DescribePartnersResult>` without a list all give
 *     `{}` (no list at all), which reads like "nothing integrated";
 *   - the root element's name is never looked at: `<AnyResponse><DescribePartnersResult>...`
 *     is accepted as a DescribePartners answer;
 *   - items named `<member>` (the usual Query list item, wrong for this list) give `[]`;
 *   - a second `<PartnerIntegrationInfoList>` in the Result is dropped silently, with every
 *     item in it (a RuntimeFailure there would never be seen);
 *   - an item without DatabaseName, PartnerName or Status, or with an empty one, is returned
 *     with the member missing or `''`;
 *   - attributes are read as if they were child elements, and win over them:
 *     `<PartnerIntegrationInfo Status="Active">...<Status>RuntimeFailure</Status>` is read as
 *     Active, `<PartnerIntegrationInfoList PartnerIntegrationInfo="x"/>` as one empty item.
 *   - a timestamp of a day that does not exist (`2026-02-30`) is moved to the next month.
 * So the answer is parsed here with a small strict XML reader, its shape checked, and its
 * integrations read from that parse: the SDK's reader never sees a 2xx DescribePartners answer
 * (see CheckedAnswersQueryProtocol), which also spares each call a second parse of its body.
 */

import type { PartnerIntegrationInfo } from '@aws-sdk/client-redshift'
import { excerpt, parseTimestamp } from 'partner-drift'

/** Larger than any real answer (262144-character status messages, a few dozen integrations) by far. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024

/** The members every PartnerIntegrationInfo must carry, non-blank, exactly once; then the optional ones, at most once, text only. Members not named here are tolerated (AWS may add some). */
const MEMBERS = ['DatabaseName', 'PartnerName', 'Status', 'StatusMessage', 'CreatedAt', 'UpdatedAt'] as const
const REQUIRED_MEMBERS = 3
const TIMESTAMP_MEMBERS = new Set<string>(['CreatedAt', 'UpdatedAt'])

/** fatal: an answer that is not UTF-8 is not a Redshift answer; the SDK would read U+FFFD instead. One decoder for every answer. */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

export type AnswerRead = { ok: true; integrations: PartnerIntegrationInfo[] } | { ok: false; problem: string }

/**
 * Reads `bytes` as a DescribePartners answer: its integrations as the SDK's output holds them
 * (text as written, entities decoded; timestamps as Dates), or what is wrong with it.
 */
export function readDescribePartnersAnswer(bytes: Uint8Array): AnswerRead {
  if (bytes.byteLength === 0) return { ok: false, problem: 'the body is empty' }
  let text: string
  try {
    text = UTF8.decode(bytes)
  } catch {
    return { ok: false, problem: 'the body is not UTF-8 text' }
  }
  let root: XmlElement
  try {
    root = parseXml(text)
  } catch (error) {
    return { ok: false, problem: `the body is not well-formed XML (${(error as Error).message})` }
  }
  if (root.name !== 'DescribePartnersResponse') return { ok: false, problem: `the root element is ${tag(root.name)}, not <DescribePartnersResponse>` }
  const attributed = findAttribute(root)
  if (attributed) return { ok: false, problem: `${tag(attributed.name)} has an attribute ${attributed.attributes.find((a) => !isNamespaceDeclaration(a))!.slice(0, 40)}` }
  const result = only(root, 'DescribePartnersResult')
  if (typeof result === 'string') return { ok: false, problem: result }
  const list = only(result, 'PartnerIntegrationInfoList')
  if (typeof list === 'string') return { ok: false, problem: list }
  if (list.text.trim() !== '') return { ok: false, problem: '<PartnerIntegrationInfoList> holds text besides its items' }
  const integrations: PartnerIntegrationInfo[] = []
  for (const [index, item] of list.children.entries()) {
    const which = `item ${index + 1} of <PartnerIntegrationInfoList>`
    if (item.name !== 'PartnerIntegrationInfo') return { ok: false, problem: `${which} is ${tag(item.name)}, not <PartnerIntegrationInfo>` }
    // Each member's element, in MEMBERS' order; null once it is found twice.
    const found: (XmlElement | null | undefined)[] = []
    for (const child of item.children) {
      const at = (MEMBERS as readonly string[]).indexOf(child.name)
      if (at >= 0) found[at] = found[at] === undefined ? child : null
    }
    const info: Record<string, string | Date> = {}
    for (const [at, member] of MEMBERS.entries()) {
      const value = found[at]
      const required = at < REQUIRED_MEMBERS
      if (value === undefined) {
        if (required) return { ok: false, problem: `${which} has no <${member}>` }
        continue
      }
      if (value === null) return { ok: false, problem: `${which} has ${item.children.filter((c) => c.name === member).length} <${member}> elements` }
      if (value.children.length > 0) return { ok: false, problem: `${which}: <${member}> holds elements, not text` }
      if (required && value.text.trim() === '') return { ok: false, problem: `${which} has an empty <${member}>` }
      if (TIMESTAMP_MEMBERS.has(member)) {
        const ms = readTimestamp(value.text)
        if (ms === undefined) return { ok: false, problem: `${which}: <${member}> ${excerpt(value.text, 40)} is not an RFC 3339 timestamp of a real instant` }
        info[member] = new Date(ms)
      } else {
        info[member] = value.text
      }
    }
    integrations.push(info as unknown as PartnerIntegrationInfo)
  }
  return { ok: true, integrations }
}

/**
 * A timestamp as RFC 3339 writes it, `t` and `z` in either case (the standard allows both, and
 * the SDK read both). Unlike the SDK, an instant that does not exist (February 30, a 60th
 * second) is refused instead of being moved to the next day or minute.
 */
function readTimestamp(text: string): number | undefined {
  return parseTimestamp(text.toUpperCase())
}

/**
 * The first element with an attribute other than a namespace declaration. Redshift sends none,
 * and the SDK reads attributes as if they were child elements: `<PartnerIntegrationInfoList
 * PartnerIntegrationInfo="x"/>` would be read as one item, an attribute can replace a member.
 */
export function findAttribute(root: XmlElement): XmlElement | undefined {
  const pending = [root]
  for (let element = pending.pop(); element; element = pending.pop()) {
    if (element.attributes.some((a) => !isNamespaceDeclaration(a))) return element
    pending.push(...element.children)
  }
  return undefined
}

const isNamespaceDeclaration = (name: string) => name === 'xmlns' || name.startsWith('xmlns:')

/** The one child named `name`; a message when there is none or more than one. */
export function only(parent: XmlElement, name: string): XmlElement | string {
  const found = parent.children.filter((c) => c.name === name)
  if (found.length === 1) return found[0]!
  return found.length === 0 ? `<${parent.name}> has no <${name}>` : `<${parent.name}> has ${found.length} <${name}> elements`
}

/** An element name from the answer, shortened for a message (names hold no control characters: see NAME). */
export function tag(name: string): string {
  return name.length > 40 ? `<${name.slice(0, 40)}…>` : `<${name}>`
}

// ------------------------------------------------------------------ a small strict XML reader

export interface XmlElement {
  name: string
  /** Child elements, in order. */
  children: XmlElement[]
  /** Every character-data piece directly inside the element (entities decoded, CDATA included), joined. */
  text: string
  /** Attribute names, in order (values are checked for well-formedness, not kept). */
  attributes: string[]
}

/**
 * XML 1.0 names (NameStartChar NameChar*), so a name can never carry a control or bidi
 * character into a message. Namespace prefixes are kept as part of the name: the SDK does
 * the same, so `<x:DescribePartnersResponse>` is refused here as it would be misread there.
 */
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD'
const NAME = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y')
const ATTRIBUTE = new RegExp(`\\s+(${NAME.source})\\s*=\\s*("[^"<]*"|'[^'<]*')`, 'y')
const SPACE = /\s*/y
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g
const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/**
 * Parses one XML document into elements and text: an optional declaration, comments and
 * processing instructions around exactly one root element. Refused: a document type
 * declaration (Redshift never sends one; it is how HTML pages start), unknown entities, a bare
 * `&` or `<`, mismatched or unclosed tags, anything after the root. Iterative, so a deeply
 * nested answer cannot overflow the stack, and linear in the length of the input.
 */
export function parseXml(input: string): XmlElement {
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined

  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}`)
  }
  const skipTo = (end: string, what: string) => {
    const at = input.indexOf(end, i)
    if (at < 0) fail(`unterminated ${what}`)
    const body = input.slice(i, at)
    i = at + end.length
    return body
  }
  const decode = (raw: string): string => {
    if (raw.includes('<')) fail('"<" in text')
    // Most text holds no reference at all: nothing to decode, and no ampersand to be bare.
    if (!raw.includes('&')) return raw
    const decoded = raw.replace(ENTITY, (_, hex?: string, dec?: string, named?: string) => {
      if (named) return NAMED_ENTITIES[named]!
      const code = hex ? parseInt(hex, 16) : Number(dec)
      if (code > 0x10ffff) fail('a character reference out of range')
      return String.fromCodePoint(code)
    })
    // Every `&` left is not a known entity: a real answer escapes its ampersands.
    if (/&/.test(raw.replace(ENTITY, ''))) fail('an unknown entity or a bare "&"')
    return decoded
  }

  while (i < input.length) {
    const lt = input.indexOf('<', i)
    const textEnd = lt < 0 ? input.length : lt
    if (textEnd > i) {
      const raw = input.slice(i, textEnd)
      const open = stack[stack.length - 1]
      if (open) open.text += decode(raw)
      else if (raw.trim() !== '') fail(root ? 'content after the root element' : 'content before the root element')
      i = textEnd
      continue
    }
    if (input.startsWith('<!--', i)) {
      i += 4
      skipTo('-->', 'comment')
    } else if (input.startsWith('<?', i)) {
      i += 2
      skipTo('?>', 'processing instruction')
    } else if (input.startsWith('<![CDATA[', i)) {
      const open = stack[stack.length - 1]
      if (!open) fail('CDATA outside the root element')
      i += 9
      open!.text += skipTo(']]>', 'CDATA section')
    } else if (input.startsWith('<!', i)) {
      fail('a document type declaration')
    } else if (input.startsWith('</', i)) {
      i += 2
      NAME.lastIndex = i
      const name = NAME.exec(input)?.[0]
      const open = stack.pop()
      if (!name || !open) fail('a stray closing tag')
      i += name!.length
      SPACE.lastIndex = i
      SPACE.exec(input)
      i = SPACE.lastIndex
      if (i >= input.length) fail('the answer ends in the middle of a tag')
      if (input[i] !== '>') fail('an unterminated closing tag')
      // Checked after the '>' so that an answer cut inside `</Data` says so instead of a mismatch.
      if (name !== open!.name) fail(`</${name}> closes <${open!.name}>`)
      i++
    } else {
      if (root && stack.length === 0) fail('a second root element')
      i++
      NAME.lastIndex = i
      const name = NAME.exec(input)?.[0]
      if (!name) fail('an element without a valid name')
      i += name!.length
      const attributes: string[] = []
      for (;;) {
        ATTRIBUTE.lastIndex = i
        const attribute = ATTRIBUTE.exec(input)
        if (!attribute) break
        if (attributes.includes(attribute[1]!)) fail(`a repeated attribute ${attribute[1]}`)
        attributes.push(attribute[1]!)
        decode(attribute[2]!.slice(1, -1))
        i = ATTRIBUTE.lastIndex
      }
      SPACE.lastIndex = i
      SPACE.exec(input)
      i = SPACE.lastIndex
      const element: XmlElement = { name: name!, children: [], text: '', attributes }
      const parent = stack[stack.length - 1]
      if (parent) parent.children.push(element)
      else root = element
      if (i >= input.length) fail('the answer ends in the middle of a tag')
      if (input.startsWith('/>', i)) {
        i += 2
      } else if (input[i] === '>') {
        i++
        stack.push(element)
      } else {
        fail(`an unterminated or malformed start tag <${name}>`)
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`)
  if (!root) fail('no root element')
  return root!
}
