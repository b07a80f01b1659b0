import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * The directory reports name files relative to: the checkout CI maps report paths onto
 * (`GITHUB_WORKSPACE` on GitHub Actions, `CI_PROJECT_DIR` on GitLab CI), else the nearest
 * directory at or above `cwd` with a `.git` (a directory in a clone, a file in a linked worktree
 * or submodule: the same test git itself makes, without spawning it), else `cwd`.
 */
export function repositoryRootOf(env: NodeJS.ProcessEnv, cwd: string): string {
  const fromCi = env.GITHUB_WORKSPACE || env.CI_PROJECT_DIR
  if (fromCi) return resolve(cwd, fromCi)
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir
    if (dirname(dir) === dir) return resolve(cwd)
  }
}
