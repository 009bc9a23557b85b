import type { AuditEvent } from '@openindent/contract'

/** The columns of an audit export as CSV, the CLI's and the dashboard's alike. */
export const CSV_COLUMNS = [
  'seq',
  'timestamp',
  'event',
  'actor_kind',
  'actor_id',
  'resources',
  'reason',
  'hash',
] as const

/** One CSV row (RFC 4180). */
export function csvLine(e: AuditEvent): string {
  const resources = (e.resources ?? []).map((r) => `${r.kind ?? ''}/${r.id ?? ''}`).join(';')
  const fields = [
    String(e.seq),
    e.timestamp ?? '',
    e.event,
    e.actor?.kind ?? '',
    e.actor?.id ?? e.actor?.email ?? '',
    resources,
    e.reason ?? '',
    e.hash,
  ]
  return `${fields.map(csvField).join(',')}\n`
}

/**
 * Quotes a field when it needs it. A field a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR first) gets a leading apostrophe: event text comes from users and apps.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
