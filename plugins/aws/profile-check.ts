import { join } from 'node:path'

import { getHomeDir, loadSharedConfigFiles } from './sdk.js'

/**
 * A named profile (--profile, else AWS_PROFILE) that neither shared file has: without this, the
 * SDK's credential chain tries every other provider and ends in "Could not load credentials from
 * any providers", which names neither the profile nor where it was looked for. Checked once, when
 * the source opens, against the files the SDK reads (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * else ~/.aws/config and ~/.aws/credentials).
 */
export async function unknownProfileProblem(profile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const named = profile ?? (env.AWS_PROFILE || undefined)
  if (named === undefined) return undefined
  const configPath = env.AWS_CONFIG_FILE || join(getHomeDir(), '.aws', 'config')
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || join(getHomeDir(), '.aws', 'credentials')
  const files = await loadSharedConfigFiles({ configFilepath: configPath, filepath: credentialsPath, ignoreCache: true })
  // `[sso-session NAME]` and `[services NAME]` sections are not profiles (the loader keys them `sso-session.NAME`).
  const profiles = [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])].filter((name) => !/^(sso-session|services)\./.test(name))
  if (profiles.includes(named)) return undefined
  const given = profile !== undefined ? `--profile ${JSON.stringify(named)}` : `AWS_PROFILE=${JSON.stringify(named)}`
  const where = `${configPath} (${env.AWS_CONFIG_FILE ? 'AWS_CONFIG_FILE' : 'the default; set AWS_CONFIG_FILE for another'}) and ${credentialsPath} (${env.AWS_SHARED_CREDENTIALS_FILE ? 'AWS_SHARED_CREDENTIALS_FILE' : 'the default; set AWS_SHARED_CREDENTIALS_FILE for another'})`
  const known = profiles.length ? `; the profiles there: ${profiles.sort().join(', ')}` : '; neither file has any profile (or exists)'
  return `no profile ${JSON.stringify(named)} (${given}) in ${where}${known}`
}
