import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** The executable `cmd` as the shell would find it on PATH, or undefined (the AWS CLI cross-checks say they did not run). */
export function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, cmd)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}
