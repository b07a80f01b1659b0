/**
 * Every answer the aws source reads is checked on its raw bytes before the AWS SDK reads it, and
 * again after: the SDK is lenient (it reads `<member>` items as nothing, an attribute over an
 * element, a malformed list as no list), and a lenient read of a hostile or broken answer would
 * be "nothing there". Two middlewares around the SDK's deserializer, once per attempt:
 *  - inside it, a 2xx body is buffered (bounded) and its shape checked; the same bytes are handed
 *    on; a body that fails is an InvalidResponseError before the SDK reads anything;
 *  - outside it, the SDK failing to read a 2xx answer is an InvalidResponseError too, and the
 *    SDK must have read what the body held (as many items, tags...), so no leniency can drop one.
 * An operation whose check reads the whole answer (DescribePartners) is not read by the SDK at
 * all: its output is the check's reading, handed to the SDK's pipeline by the client's protocol
 * (CheckedAnswersQueryProtocol), so there is nothing to compare after.
 * Non-2xx answers are left to the SDK's error handling and retries, untouched.
 */
import { finished, Readable } from 'node:stream'

import type { DeserializeMiddleware, HandlerExecutionContext, HttpResponse, MetadataBearer, MiddlewareStack, OperationSchema, SerdeFunctions } from '@smithy/types'

import { MAX_ANSWER_BYTES } from './answer-check.js'
import { AwsQueryProtocol } from './sdk.js'

/**
 * Thrown for a 2xx answer that is not the operation's response. Its name is its code; with an
 * HTTP 2xx status and no transient trait the SDK's retry strategy classifies it as a client error
 * and does not retry, so a call still costs one request.
 */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponse'
  readonly $metadata: { httpStatusCode: number; requestId?: string }
  constructor(message: string, httpStatusCode: number, requestId: string | undefined) {
    super(message)
    this.$metadata = { httpStatusCode, ...(requestId ? { requestId } : {}) }
  }
}

/** How one operation's answers are recognised and checked. */
interface AnswerShape<Held> {
  /** The operation a command is, for messages; undefined for commands this check does not cover (they pass untouched). */
  operationOf(commandName: string | undefined): string | undefined
  /** The body's shape: what it holds, or what is wrong with it. */
  check(bytes: Uint8Array, operation: string): { ok: true; held: Held } | { ok: false; problem: string }
}

/** A check of the answers the SDK then reads. */
export interface RawAnswerCheck<Held> extends AnswerShape<Held> {
  /** What is wrong when the SDK's output does not hold what the body held; undefined when it does. */
  misread(held: Held, output: unknown, operation: string): string | undefined
}

/**
 * A check that reads the whole answer: its output members are the operation's output, and the
 * SDK does not read the answer again. Only for clients whose protocol is CheckedAnswersQueryProtocol.
 */
export interface RawAnswerReading<Held> extends AnswerShape<Held> {
  /** The operation's output members (`$metadata` is added the SDK's way). */
  output(held: Held): object
}

/** Outputs read by a RawAnswerReading, by the response the SDK's deserializer is then handed. */
const readOutputs = new WeakMap<object, object>()

/**
 * The SDK's awsQuery protocol, except that an answer a RawAnswerReading already read is not read
 * again: its output is that reading, with the metadata the SDK gives every output. Every other
 * answer (errors, other operations) is the SDK's to read, as before.
 */
export class CheckedAnswersQueryProtocol extends AwsQueryProtocol {
  override async deserializeResponse<Output extends MetadataBearer>(operationSchema: OperationSchema, context: HandlerExecutionContext & SerdeFunctions, response: HttpResponse): Promise<Output> {
    const output = readOutputs.get(response)
    if (output === undefined) return super.deserializeResponse(operationSchema, context, response)
    // Node's HTTP client gives header names in lower case, as deserializeMetadata reads them.
    return { ...output, $metadata: this.deserializeMetadata(response) } as Output
  }
}

interface RawResponse {
  statusCode: number
  headers: Record<string, string | undefined>
  body?: unknown
}

export function addRawAnswerChecks<Held>(stack: MiddlewareStack<any, any>, name: string, spec: RawAnswerCheck<Held> | RawAnswerReading<Held>): void {
  /** What the body of one send() held, keyed by that send()'s middleware context. */
  const heldBy = new WeakMap<object, Held>()
  const reading = 'output' in spec ? spec : undefined
  const check = 'misread' in spec ? spec : undefined
  const answerCheck: DeserializeMiddleware<any, any> = (next, context) => async (args) => {
    const operation = spec.operationOf(context.commandName)
    if (operation === undefined) return next(args)
    const result = await next(args)
    const response = result.response as RawResponse
    if (typeof response?.statusCode !== 'number' || response.statusCode < 200 || response.statusCode >= 300) return result
    const refuse = (problem: string) => {
      const type = header(response.headers, 'content-type')
      // The content type helps tell a captive portal (text/html) from a broken endpoint; printable ASCII only.
      const shown = type ? ` (content-type ${type.replace(/[^\x20-\x7e]/g, '?').slice(0, 60)})` : ''
      return new InvalidResponseError(`the HTTP ${response.statusCode} answer${shown} is not a ${operation} response: ${problem}`, response.statusCode, header(response.headers, 'x-amzn-requestid'))
    }
    const bytes = await readBody(response.body, MAX_ANSWER_BYTES)
    if (bytes === undefined) throw refuse(`the body is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`)
    const checked = spec.check(bytes, operation)
    if (!checked.ok) throw refuse(checked.problem)
    if (reading) readOutputs.set(response, reading.output(checked.held))
    else heldBy.set(context, checked.held)
    response.body = bytes
    return result
  }
  const readAll: DeserializeMiddleware<any, any> = (next, context) => async (args) => {
    const operation = spec.operationOf(context.commandName)
    if (operation === undefined) return next(args)
    let result: Awaited<ReturnType<typeof next>>
    try {
      result = await next(args)
    } catch (error) {
      // The SDK refusing a 2xx answer that passed the shape check (say a timestamp with a space
      // instead of T) is an invalid answer too, not a TypeError. The deserializer gave the error
      // $metadata; errors without it (a reset while the body was read) keep their own kind.
      const e = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string } }
      const status = e.$metadata?.httpStatusCode ?? 0
      if (error instanceof InvalidResponseError || status < 200 || status >= 300) throw error
      throw new InvalidResponseError(`the SDK could not read the HTTP ${status} ${operation} answer: ${String(e.message ?? e).split('\n')[0]!.slice(0, 200)}`, status, e.$metadata?.requestId)
    }
    const held = heldBy.get(context)
    const problem = held === undefined ? undefined : check?.misread(held, result.output, operation)
    if (problem) {
      const response = result.response as RawResponse
      throw new InvalidResponseError(problem, response.statusCode, header(response.headers, 'x-amzn-requestid'))
    }
    return result
  }
  stack.addRelativeTo(answerCheck, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: `${name}AnswerCheck` })
  // A reading's answer is never read by the SDK: nothing to catch or compare after it.
  if (!reading) stack.addRelativeTo(readAll, { relation: 'before', toMiddleware: 'deserializerMiddleware', name: `${name}ReadAll` })
}

export function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value
  return undefined
}

/**
 * The whole body as bytes, or undefined once it grows past `max` (the stream is destroyed then,
 * so a hostile endpoint cannot feed an endless answer into memory). A stream error (a reset in
 * the middle of the body) is thrown as it came, so the SDK's retry strategy still sees it.
 */
export async function readBody(body: unknown, max: number): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return new Uint8Array()
  if (body instanceof Uint8Array) return body.byteLength > max ? undefined : body
  if (typeof body === 'string') return readBody(Buffer.from(body, 'utf8'), max)
  // Node's HTTP answers are read by their events: an async iterator per answer costs more CPU
  // than the rest of the reading (measured at about 40 us a call, on every call).
  if (body instanceof Readable) return readStream(body, max)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    size += bytes.byteLength
    if (size > max) {
      ;(body as { destroy?: () => void }).destroy?.()
      return undefined
    }
    chunks.push(bytes)
  }
  return Buffer.concat(chunks)
}

function readStream(stream: Readable, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      size += bytes.byteLength
      if (size > max) {
        tooLarge = true
        stream.destroy()
      } else {
        chunks.push(bytes)
      }
    })
    // finished() also sees a stream closed before its end (a reset connection), as for-await does.
    finished(stream, (error) => {
      if (tooLarge) resolve(undefined)
      else if (error) reject(error)
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    })
  })
}

/**
 * A page of a JSON-protocol listing (Organizations, CloudTrail): an object holding `list` as an
 * array, and a NextToken that is absent, null or text. The SDK reads an empty body, an HTML page
 * or the list under another name as an empty list, which would say there is nothing there.
 */
export function checkJsonListAnswer(bytes: Uint8Array, list: string): { ok: true; items: unknown[] } | { ok: false; problem: string } {
  if (bytes.byteLength === 0) return { ok: false, problem: 'the body is empty' }
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    return { ok: false, problem: error instanceof SyntaxError ? 'the body is not JSON' : 'the body is not UTF-8 text' }
  }
  if (!isObject(body)) return { ok: false, problem: 'the body is not a JSON object' }
  const items = Object.hasOwn(body, list) ? body[list] : undefined
  if (!Array.isArray(items)) return { ok: false, problem: `the answer has no ${list} list` }
  const token = Object.hasOwn(body, 'NextToken') ? body.NextToken : undefined
  if (token !== undefined && token !== null && typeof token !== 'string') return { ok: false, problem: 'NextToken is not a string' }
  return { ok: true, items }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
