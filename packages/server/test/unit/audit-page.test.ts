import { describe, expect, it } from 'vitest'
import type { ChainRecord } from '../../src/domain/audit/ports.js'
import { toAuditEvent } from '../../src/domain/audit/query.js'
import { serializeEvent } from '../../src/domain/audit/types.js'
import { recordPageJson, wireEventJson } from '../../src/http/audit-page.js'

const record = (body: string, seq = 7): ChainRecord => ({
  seq,
  id: 'evt_1',
  event: 'app/x',
  actorKind: null,
  actorId: null,
  timestamp: 0,
  body,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  petition: null,
})

/** What the list sent before it wrote pages from the stored text. */
const parsed = (r: ChainRecord) => JSON.stringify(toAuditEvent(r))

describe('audit pages written from the stored bytes', () => {
  it('give the same bytes as parsing and serializing each event', () => {
    const bodies = [
      { id: 'evt_1', event: 'app/x', meta: { labels: { '10': 'a', '9': 'b', z: 'é 😀 \u2028 "q" \\' } } },
      { id: 'evt_2', event: 'app/y', resources: [{ kind: 'k', id: '1', labels: { seq: 's', hash: 'h' } }] },
    ].map(serializeEvent)
    for (const body of bodies) expect(wireEventJson(record(body))).toBe(parsed(record(body)))
  })

  it("take the long way for a body with the chain's own keys at its top level", () => {
    // Not something append writes; the spread puts the chain's value in the body key's place.
    const body = '{"hash":"mine","id":"evt_1","seq":1}'
    expect(wireEventJson(record(body))).toBe(parsed(record(body)))
    expect(JSON.parse(wireEventJson(record(body)))).toMatchObject({ seq: 7, hash: 'b'.repeat(64) })
  })

  it('write the page object as JSON.stringify would, with or without a next page', () => {
    const records = [record(serializeEvent({ id: 'evt_1', event: 'app/x' }), 2), record('{"id":"evt_0"}', 1)]
    const events = records.map(toAuditEvent)
    expect(recordPageJson({ records, nextPageToken: 'tok"1' }).text).toBe(
      JSON.stringify({ events, nextPageToken: 'tok"1' }),
    )
    expect(recordPageJson({ records: [] }).text).toBe(JSON.stringify({ events: [] }))
  })
})
