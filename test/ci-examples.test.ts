/** The CI examples in examples/ci/ parse, and every partner-drift command they run is one partner-drift accepts. */
import { readFileSync } from 'node:fs'

import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'

import { ROOT } from './helpers/cli.js'

interface ManifestCommand {
  flags: Record<string, { char?: string }>
}
const manifest = JSON.parse(readFileSync(`${ROOT}oclif.manifest.json`, 'utf8')) as { commands: Record<string, ManifestCommand> }

/** Every string in the file's scripts: GitHub `run:` values, GitLab `script:` items. */
function scripts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(scripts)
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => (key === 'run' || key === 'script') && (typeof value === 'string' || Array.isArray(value)) ? [value].flat().filter((v): v is string => typeof v === 'string') : scripts(value))
  }
  return []
}

for (const file of ['github-actions.yml', 'gitlab-ci.yml']) {
  test(`examples/ci/${file}: parses, and runs only commands and flags partner-drift has`, () => {
    const doc = parse(readFileSync(`${ROOT}examples/ci/${file}`, 'utf8')) as unknown
    const invocations = scripts(doc).flatMap((line) => [...line.matchAll(/npx partner-drift (\S+)([^|>]*)/g)])
    assert.ok(invocations.length >= 2, 'a check and a merge')
    const commands = new Set<string>()
    for (const [, command, rest] of invocations) {
      commands.add(command!)
      const known = manifest.commands[command!]
      assert.ok(known, `unknown command ${command}`)
      for (const [, flag] of rest!.matchAll(/(?:^|\s)--([a-z-]+)/g)) assert.ok(known!.flags[flag!], `${command} has no --${flag}`)
    }
    assert.equal([...commands].sort(), ['check', 'merge'])
    assert.match(scripts(doc).join('\n'), /--shard/)
  })
}

test.run()
