/**
 * The shape of the code, checked like its behaviour: no import cycle between files or between
 * folders of `src/` and `plugins/`, a model that imports nothing, an engine that never imports
 * oclif. The graph is read from the TypeScript sources: every import and re-export declaration
 * that starts a line (as every one in this codebase does) and every `import('...')` with a literal.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, posix } from 'node:path'

import { suite } from 'uvu'
import * as assert from 'uvu/assert'

// dist/test/ -> the package root, where the TypeScript sources are.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** What `import ... from 'partner-drift'` resolves to, through package.json `exports`. */
const PUBLIC_ENTRY = 'src/index.ts'

/** `import ... from '...'`, `import '...'`, `export ... from '...'`, at the start of a line; type-only ones included. */
const DECLARATION = /^(?:import|export)\s+(?:[\w*\s{},$]+?\s+from\s+)?['"]([^'"\n]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g

interface ImportGraph {
  /** File -> files it imports, paths relative to the root with `/`. */
  edges: Map<string, Set<string>>
  /** File -> bare package specifiers it imports. */
  packages: Map<string, Set<string>>
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = posix.join(dir, name)
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path)
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : []
  })
}

function specifiersOf(text: string): string[] {
  const found = [...text.matchAll(DECLARATION)].map((m) => m[1])
  for (const m of text.matchAll(DYNAMIC)) {
    const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index).trimStart()
    // An example in a comment is no import.
    if (!line.startsWith('*') && !line.startsWith('//') && !line.startsWith('/*')) found.push(m[1])
  }
  return found
}

function readGraph(): ImportGraph {
  const files = [...sourceFiles('src'), ...sourceFiles('plugins')]
  const known = new Set(files)
  const edges = new Map<string, Set<string>>()
  const packages = new Map<string, Set<string>>()
  for (const file of files) {
    edges.set(file, new Set())
    packages.set(file, new Set())
    for (const specifier of specifiersOf(readFileSync(join(ROOT, file), 'utf8'))) {
      if (specifier === 'partner-drift') edges.get(file)!.add(PUBLIC_ENTRY)
      else if (specifier.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts')
        assert.ok(known.has(target), `${file}: import '${specifier}' resolves to no source file (${target})`)
        edges.get(file)!.add(target)
      } else packages.get(file)!.add(specifier)
    }
  }
  return { edges, packages }
}

/**
 * The unit of the folder-level graph: the first folder under `src/` or `plugins/`
 * (`src/report/render/text.ts` is in `src/report`); a file directly in `src/` stands alone.
 */
export function folderOf(file: string): string {
  const parts = file.split('/')
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file
}

function folderGraph(edges: Map<string, Set<string>>): Map<string, Set<string>> {
  const folders = new Map<string, Set<string>>()
  for (const [file, targets] of edges) {
    const from = folderOf(file)
    if (!folders.has(from)) folders.set(from, new Set())
    for (const target of targets) if (folderOf(target) !== from) folders.get(from)!.add(folderOf(target))
  }
  return folders
}

/** Strongly connected components with more than one member (Tarjan): each is a cycle. */
export function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort())
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return cycles
}

const graph = readGraph()
const architecture = suite('architecture')

architecture('the reader finds the imports it must', () => {
  assert.ok(graph.edges.get('src/check.ts')!.has('src/diff/compute-findings.ts'), 'a plain import')
  assert.ok(graph.edges.get('src/index.ts')!.has('src/contract.ts'), 'a re-export')
  assert.ok(graph.edges.get('plugins/aws/index.ts')!.has('plugins/aws/describe-partners.ts'), 'a dynamic import')
  assert.ok(graph.edges.get('plugins/snapshot/index.ts')!.has(PUBLIC_ENTRY), 'the public entry, by package name')
  assert.ok(graph.packages.get('src/cli/oclif.ts')!.has('@oclif/core/flags'), 'a package, by its subpath')
  assert.equal(cyclesOf(new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]])), [['a', 'b', 'c']])
  assert.equal(folderOf('src/report/render/text.ts'), 'src/report')
  assert.equal(folderOf('src/check.ts'), 'src/check.ts')
})

architecture('no import cycle between files', () => {
  assert.equal(cyclesOf(graph.edges), [])
})

architecture('no import cycle between folders', () => {
  assert.equal(cyclesOf(folderGraph(graph.edges)), [])
})

architecture('the model imports nothing outside itself', () => {
  const outside: string[] = []
  for (const [file, targets] of graph.edges) {
    if (!file.startsWith('src/model/')) continue
    for (const target of targets) if (!target.startsWith('src/model/')) outside.push(`${file} -> ${target}`)
    for (const name of graph.packages.get(file)!) if (!name.startsWith('node:')) outside.push(`${file} -> ${name}`)
  }
  assert.ok(graph.edges.has('src/model/finding.ts'))
  assert.equal(outside, [])
})

architecture('only commands and the cli folder import oclif: the engine runs without it', () => {
  const importers = [...graph.packages].filter(([, names]) => [...names].some((n) => n.startsWith('@oclif/'))).map(([file]) => folderOf(file))
  assert.ok(importers.length > 0, 'oclif is found')
  assert.equal([...new Set(importers)].filter((folder) => folder !== 'src/cli' && folder !== 'src/commands'), [])
})

architecture.run()
