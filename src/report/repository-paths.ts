import { isAbsolute, relative, resolve, sep } from 'node:path'

import type { FileLocation, ReportedFinding, Suppression } from '../model/finding.js'
import type { ClusterState, Report } from '../model/report.js'

/**
 * How a report names a file: relative to the repository root with `/` separators, as code
 * scanning (SARIF `%SRCROOT%`), workflow annotations (`file=`) and GitLab Code Quality
 * (`location.path`) match paths, whatever directory the command ran from and however the path
 * was written. A file outside the root keeps an absolute path: `../` would point outside the
 * checkout those tools map onto, and an absolute path at least names the file exactly.
 */
export function repositoryPath(file: string, root: string, cwd: string): string {
  // `<stdin>` and the like are names, not paths.
  if (file.startsWith('<')) return file
  const absolute = resolve(cwd, file)
  const inside = relative(resolve(cwd, root), absolute)
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return absolute
  return inside.split(sep).join('/')
}

/**
 * The report with every file it names (the manifest, the entry of each finding and cluster, the
 * exceptions file or baseline that accepts a finding, a review's changes and resolved findings)
 * relative to `root`. The one place paths are decided: renderers print `report.manifest` and
 * locations as they find them. Names in `asWritten` are not paths of this checkout (a review's
 * base read from git, `REV:PATH`, whose PATH git already takes from the root) and stay as written.
 */
export function withRepositoryPaths(report: Report, root: string, cwd: string, asWritten: ReadonlySet<string> = new Set()): Report {
  const cache = new Map<string, string>()
  const pathOf = (file: string): string => {
    if (asWritten.has(file)) return file
    let path = cache.get(file)
    if (path === undefined) cache.set(file, (path = repositoryPath(file, root, cwd)))
    return path
  }
  const relocate = (location: FileLocation): FileLocation => ({ ...location, file: pathOf(location.file) })
  const relocateSuppression = (s: Suppression): Suppression => (s.location ? { ...s, location: relocate(s.location) } : s)
  const relocateFinding = (f: ReportedFinding): ReportedFinding => {
    if (!f.location && !f.suppressed?.location && !f.wouldBeSuppressed?.location) return f
    return {
      ...f,
      ...(f.location ? { location: relocate(f.location) } : {}),
      ...(f.suppressed ? { suppressed: relocateSuppression(f.suppressed) } : {}),
      ...(f.wouldBeSuppressed ? { wouldBeSuppressed: relocateSuppression(f.wouldBeSuppressed) } : {}),
    }
  }
  const findings = report.findings.map(relocateFinding)
  const clusters = report.clusters.map((c): ClusterState => (c.location ? { ...c, location: relocate(c.location) } : c))
  const review = report.review && {
    ...report.review,
    changes: report.review.changes.map((c) => ({ ...c, location: relocate(c.location) })),
    resolved: report.review.resolved.map(relocateFinding),
  }
  return { ...report, manifest: pathOf(report.manifest), findings, clusters, ...(review ? { review } : {}) }
}
