import { readFileSync } from 'node:fs'

/**
 * The published schema, read from the package's source folder: the same path from `src/` and from
 * `dist/` (the package ships both), so there is one copy of the file that users read and we enforce.
 */
export const POLICY_SCHEMA: string = readFileSync(
  new URL('../../../src/domain/policies/openindent.cedarschema', import.meta.url),
  'utf8',
)

/** The one action policies are about. */
export const REQUEST_ACTION = { type: 'Action', id: 'request' } as const

/** Weekday names as policies see them (`context.weekday`). */
export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const
