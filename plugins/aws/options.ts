// Its own module so that the session (describe-partners.ts), which index.ts imports only when the
// source is opened, can name the options without importing index.ts back.

/** Options of the aws source; the `check` command's AWS flags fill them in. */
export interface AwsSourceOptions {
  /** Named profile from the shared AWS config (`--profile`, else AWS_PROFILE). */
  profile?: string
  /** Emulator or VPC endpoint (`--endpoint-url`). Never read from the manifest. */
  endpointUrl?: string
  /** Attempts per DescribePartners call, first try included (`--max-attempts`). */
  maxAttempts?: number
  /** Per-request timeout (default: see requestTimeoutFor); the run's overall deadline is the orchestrator's. */
  requestTimeoutMs?: number
  /** Multiplies every retry backoff; below 1 only for tests and emulators. */
  retryDelayScale?: number
}
