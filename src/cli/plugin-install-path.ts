import { isAbsolute, resolve } from 'node:path'

/**
 * `plugins install ./source.tgz` (or a directory) as npm reads a path: @oclif/plugin-plugins
 * takes a plain path with a slash for a GitHub repository and waits on github.com, and it runs
 * npm in its own data directory, where a relative `file:` path means something else. So a path
 * is given to it as `file:` and an absolute path, before it parses the command line.
 */
export function localPluginArgv(argv: readonly string[], cwd = process.cwd()): string[] {
  const start = argv[0] === 'plugins' && (argv[1] === 'install' || argv[1] === 'add') ? 2 : argv[0] === 'plugins:install' || argv[0] === 'plugins:add' ? 1 : -1
  if (start < 0) return [...argv]
  return argv.map((arg, i) => (i < start || arg.startsWith('-') ? arg : localSpec(arg, cwd)))
}

/** npm's rule for what is a path: it starts like one, or names a tarball; `user/repo` stays a repository. */
function localSpec(arg: string, cwd: string): string {
  if (arg.startsWith('file:')) {
    const path = arg.slice('file:'.length)
    return isAbsolute(path) ? arg : `file:${resolve(cwd, path)}`
  }
  const pathLike = /^(\.\.?([/\\]|$)|[/\\]|[a-zA-Z]:[/\\])/.test(arg) || /\.(tgz|tar\.gz|tar)$/i.test(arg)
  return pathLike ? `file:${resolve(cwd, arg)}` : arg
}
