/**
 * JSON files are read a chunk at a time (never held whole): the bounded reader's checks hold for
 * every chunk, chunks end where characters end, and a position asked for afterwards is the
 * file's own, or the start of the file when the file no longer holds what was read.
 */
import { isUtf8 } from 'node:buffer'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

import { parseDocumentText, readDocument } from '../src/input/document.js'
import { readInputChunks, readInputChunksSync } from '../src/input/read-input.js'

const test = suite<{ dir: string }>('input chunks')
test.before(async (context) => {
  context.dir = await mkdtemp(join(tmpdir(), 'partner-drift-chunks-'))
})
test.after(async ({ dir }) => {
  await rm(dir, { recursive: true, force: true })
})

/** Both ways of reading, which must agree. */
const chunksOf = async (path: string, options: { maxBytes?: number; chunkBytes?: number }) => {
  const chunks: Buffer[] = []
  const result = await readInputChunks(path, (chunk) => chunks.push(Buffer.from(chunk)) > 0, options)
  const again: Buffer[] = []
  assert.is(readInputChunksSync(path, (chunk) => again.push(Buffer.from(chunk)) > 0, options), result)
  assert.equal(again, chunks)
  return { result, chunks }
}

test('chunks end where characters end, and together are the file', async ({ dir }) => {
  const text = '{"a": "é✓😀\r\nü", "b": ["😀😀😀", "x"]}\n'.repeat(7)
  const path = join(dir, 'multi.json')
  await writeFile(path, text)
  for (const chunkBytes of [4, 5, 6, 7, 64]) {
    const { result, chunks } = await chunksOf(path, { chunkBytes })
    assert.is(result, 'read')
    assert.ok(chunks.length > 1 || chunkBytes === 64)
    for (const chunk of chunks) assert.ok(isUtf8(chunk), `chunk of ${chunkBytes} bytes is whole characters`)
    assert.is(Buffer.concat(chunks).toString('utf8'), text)
  }
})

test('what the bounded reader refuses is refused here too', async ({ dir }) => {
  const cut = join(dir, 'cut.json')
  await writeFile(cut, Buffer.concat([Buffer.from('{"a": "'), Buffer.from('😀').subarray(0, 3)]))
  assert.is((await chunksOf(cut, { chunkBytes: 4 })).result, 'refused', 'a character cut off at the end')
  const nul = join(dir, 'nul.json')
  await writeFile(nul, '{"a": "\u0000"}')
  assert.is((await chunksOf(nul, {})).result, 'refused', 'a NUL byte')
  const invalid = join(dir, 'invalid.json')
  await writeFile(invalid, Buffer.from([0x7b, 0xff, 0x7d]))
  assert.is((await chunksOf(invalid, {})).result, 'refused', 'invalid UTF-8')
  const large = join(dir, 'large.json')
  await writeFile(large, '[1, 2, 3]')
  assert.is((await chunksOf(large, { maxBytes: 8 })).result, 'refused', 'past the limit')
  assert.is((await chunksOf(dir, {})).result, 'refused', 'a directory')
  assert.is((await chunksOf(join(dir, 'missing.json'), {})).result, 'refused', 'no such file')
  const fifo = join(dir, 'fifo.json')
  execFileSync('mkfifo', [fifo])
  assert.is((await chunksOf(fifo, {})).result, 'refused', 'a FIFO, without waiting for a writer')
  // Refused here, the file is read whole, and the reason given is located as before.
  const doc = await readDocument(invalid, { displayName: 'invalid.json' })
  assert.equal(doc.diagnostics.map((d) => [d.code, d.line, d.column]), [['encoding', 1, 2]])
})

test('a JSON file is read with awaited reads: the event loop, and so the run\'s deadline, goes on while it is read', async ({ dir }) => {
  const path = join(dir, 'large.json')
  await writeFile(path, JSON.stringify({ clusters: Array.from({ length: 30_000 }, (_, i) => ({ cluster: `c${i}`, note: 'x'.repeat(80) })) }))
  let turns = 0
  const turn = (): void => {
    turns++
    if (turns < 1000) setImmediate(turn)
  }
  setImmediate(turn)
  const doc = await readDocument(path)
  assert.is((doc.value as { clusters: unknown[] }).clusters.length, 30_000)
  // Read synchronously, the whole file would be read before the event loop turned once.
  assert.ok(turns >= 3, `the event loop turned ${turns} times while 3 MB were read`)
})

const SNAPSHOT = '{\n  "version": 1,\n  "clusters": [\n    {"cluster": "a", "n": 1.50},\n    {\n      "cluster": "b",\n      "n": 2\n    }\n  ]\n}\n'

test('positions are read again from the file, and are the whole reading\'s', async ({ dir }) => {
  const path = join(dir, 's.json')
  await writeFile(path, SNAPSHOT)
  const doc = await readDocument(path)
  const reference = parseDocumentText(SNAPSHOT, path)
  for (const at of [['clusters', 1, 'n'], ['clusters', 0, 'n'], ['clusters', 1], ['version'], ['clusters', 7]]) {
    assert.equal(doc.locate(at), reference.locate(at), JSON.stringify(at))
    assert.equal(doc.locate(at, { key: true }), reference.locate(at, { key: true }))
  }
  assert.is(doc.numberAsWritten!(['clusters', 0, 'n']), '1.50')
})

test('a file that holds something else by the time a position is asked for: the start of the file, never a wrong place', async ({ dir }) => {
  const path = join(dir, 'changed.json')
  await writeFile(path, SNAPSHOT)
  const doc = await readDocument(path)
  assert.equal((doc.value as { clusters: unknown[] }).clusters.length, 2)
  await writeFile(path, SNAPSHOT.replace('"b"', '"c"'))
  assert.equal(doc.locate(['clusters', 1, 'n']), { line: 1, column: 1 })
  assert.is(doc.numberAsWritten!(['clusters', 0, 'n']), undefined)
})

test.run()
