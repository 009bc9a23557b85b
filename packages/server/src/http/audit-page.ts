import type { ChainRecord } from '../domain/audit/ports.js'
import { type RecordPage, toAuditEvent } from '../domain/audit/query.js'
import { JsonText } from './json-text.js'

/**
 * A ListEventsResponse written from the stored bytes. The wire event is the stored event with
 * `seq`, `hash` and `prevHash` after its own keys, i.e. `JSON.stringify({...JSON.parse(body), seq,
 * hash, prevHash})`. A body is `JSON.stringify` of a plain object (canonicalJson), so parsing and
 * stringifying it again gives back the same bytes, and the three keys can be appended to the text:
 * same answer, byte for byte, without parsing 100 events per page. A body that mentions one of the
 * three keys anywhere (it could be its own top-level key, which the spread would overwrite in place)
 * goes the long way.
 */
export function recordPageJson(page: RecordPage): JsonText {
  const events = page.records.map(wireEventJson).join(',')
  const token =
    page.nextPageToken === undefined ? '' : `,"nextPageToken":${JSON.stringify(page.nextPageToken)}`
  return new JsonText(`{"events":[${events}]${token}}`)
}

const CHAIN_KEYS = /"(?:seq|hash|prevHash)"/

export function wireEventJson(r: ChainRecord): string {
  if (CHAIN_KEYS.test(r.body) || !r.body.endsWith('}') || r.body === '{}')
    return JSON.stringify(toAuditEvent(r))
  return `${r.body.slice(0, -1)},"seq":${r.seq},"hash":${JSON.stringify(r.hash)},"prevHash":${JSON.stringify(r.prevHash)}}`
}
