import type { Finding } from '../diff/compute-findings.js'

/** How to fix a finding, in the forms reviewers use. */
export interface Remediation {
  /** One line: what to do. */
  summary: string
  /** Shell commands that change reality (AWS CLI). */
  commands?: string[]
  /** A Terraform block that manages the integration, with its import command. */
  terraform?: string
  /** Manifest lines that would accept what was observed instead of changing reality. */
  manifest?: string
}

/** Pure: the fix for one finding. */
export function remediationFor(finding: Finding): Remediation {
  return { summary: `${finding.kind}: see the finding message` }
}
