import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * The directory reports name files relative to: the checkout CI maps report paths onto
 * (`GITHUB_WORKSPACE` on GitHub Actions, `CI_PROJECT_DIR` on GitLab CI), else the repository that
 * holds the manifest: the nearest directory at or above it with a `.git` (a directory in a clone,
 * a file in a linked worktree or submodule: the test git itself makes, without spawning git),
 * so that an absolute manifest path given from anywhere still names the file within its
 * repository; else the current directory.
 */
export function repositoryRootOf(env: NodeJS.ProcessEnv, cwd: string, manifest: string): string {
  const fromCi = env.GITHUB_WORKSPACE || env.CI_PROJECT_DIR
  if (fromCi) return resolve(cwd, fromCi)
  for (let dir = dirname(resolve(cwd, manifest)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir
    if (dirname(dir) === dir) return resolve(cwd)
  }
}
