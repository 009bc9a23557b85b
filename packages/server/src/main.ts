#!/usr/bin/env node
import { IndentConfigError, IndentError } from '@openindent/api'
import { CommanderError } from 'commander'
import { ZodError } from 'zod'
import { buildProgram } from './cli/program.js'
import { ConfigError } from './config.js'
import { DomainError } from './domain/errors.js'

// `openindent … | head` closes the pipe early: that is the reader saying it has enough, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const program = buildProgram().exitOverride()

try {
  await program.parseAsync(process.argv)
} catch (err) {
  process.exitCode = report(err)
}

/** Expected failures get one clear line; anything else is a bug and gets its stack. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode
  if (err instanceof ConfigError) return fail(err.message, 2)
  if (err instanceof DomainError) return fail(err.message, 1)
  if (err instanceof ZodError) return fail(err.issues[0]?.message ?? 'invalid input', 2)
  if (err instanceof IndentConfigError) return fail(apiSetting(err), 2)
  if (err instanceof IndentError) return fail(err.message, 1)
  console.error(err)
  return 1
}

/** The SDK speaks of its options; a command's user sets flags and environment variables. */
function apiSetting(err: IndentConfigError): string {
  switch (err.option) {
    case 'apiToken':
      return "no API token: pass --token TOKEN or set INDENT_API_TOKEN (on the server's host, `openindent token create --space NAME --service-account NAME` makes one)"
    case 'spaceName':
      return 'no space: pass --space NAME or set INDENT_SPACE'
    case 'baseURL':
      return `${err.message.replace('baseURL (or INDENT_API_URL)', '--url (or INDENT_API_URL)')}`
    default:
      return err.message
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`openindent: ${message}\n`)
  return code
}
