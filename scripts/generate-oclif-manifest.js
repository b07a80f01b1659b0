// Writes oclif.manifest.json: the commands' ids, flags, args and help texts, so that oclif can
// list commands and show help without importing every command (and all they import) on every
// run. Run by `npm run build` after tsc; `--check` only says whether the file is up to date.
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { Plugin } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The manifest oclif would build by importing every command of the package at `root`. */
export async function commandManifest(packageRoot = root) {
  // ignoreManifest: read the compiled commands, never an earlier manifest;
  // errorOnManifestCreate: a command that cannot be loaded fails the build instead of being left out.
  const plugin = new Plugin({ root: packageRoot, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true })
  await plugin.load()
  return plugin.manifest
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = new URL('oclif.manifest.json', new URL('..', import.meta.url))
  const text = `${JSON.stringify(await commandManifest(), null, 2)}\n`
  if (process.argv.includes('--check')) {
    // For tests: the shipped manifest must be what the compiled commands say now.
    const shipped = await readFile(file, 'utf8').catch(() => '')
    if (shipped !== text) {
      console.error('oclif.manifest.json does not match the compiled commands: run npm run build')
      process.exitCode = 1
    }
  } else {
    await writeFile(file, text)
    console.log(`oclif.manifest.json: ${Object.keys(JSON.parse(text).commands).length} commands`)
  }
}
