import { closest } from '../input/diagnostics.js'
import type { UsageCode } from '../model/error-codes.js'
import { escapeControl } from '../untrusted-text.js'

/** A usage problem as every command prints it: the message, the code, and what to try. */
export function usageText(message: string, code: UsageCode, tryThis?: string): string {
  return `Error: ${message}\nCode: ${code}\n${tryThis ? `Try this: ${tryThis}\n` : ''}`
}

/**
 * An unknown command, with the closest command or topic: the words are joined by spaces as
 * they are typed (oclif gives the id with colons).
 */
export function unknownCommandText(bin: string, id: string, commandIds: readonly string[]): string {
  const words = id.split(':')
  const known = commandIds.map((c) => c.split(':'))
  // oclif joins every word after a topic into the id (`plugins instal x`): the closest command
  // is looked for among commands of as many words, from the longest prefix down.
  for (let n = words.length; n > 0; n--) {
    const typed = words.slice(0, n).join(' ')
    const suggestion = closest(typed, known.filter((k) => k.length === n).map((k) => k.join(' ')))
    if (suggestion) return unknownCommand(bin, typed, suggestion)
  }
  return unknownCommand(bin, words.join(' '))
}

function unknownCommand(bin: string, typed: string, suggestion?: string): string {
  return usageText(
    `"${escapeControl(typed)}" is not a ${bin} command${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    'unknown-command',
    `run \`${bin} help\` for the list of commands`,
  )
}

/**
 * Flags the command does not have, each with the closest flag it does have. `flags` are the
 * long names (booleans that allow `--no-NAME` listed both ways).
 */
export function unknownFlagText(bin: string, commandId: string, given: readonly string[], flags: readonly string[]): string {
  const command = `${bin} ${commandId.split(':').join(' ')}`
  const lines = given.map((raw) => {
    const name = raw.replace(/^-+/, '').split('=')[0]!
    const suggestion = raw.startsWith('--') ? closest(name, flags) : undefined
    return `unknown flag ${escapeControl(raw)} for ${command}${suggestion ? `; did you mean --${suggestion}?` : ''}`
  })
  return usageText(lines.join('\n'), 'unknown-flag', `\`${command} --help\` lists its flags`)
}
