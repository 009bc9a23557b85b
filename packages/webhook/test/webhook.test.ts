import * as indent from '@indent/webhook'
import { describe, expect, it } from 'vitest'
import {
  getSignaturePayload,
  SIGNATURE_HEADER,
  sign,
  signatureHeaders,
  TIMESTAMP_HEADER,
  verify,
  WebhookVerificationError,
} from '../src/index.js'

// Indent's published test vector (its package's signature test and its signature docs).
const SECRET = 'secret_123'
const TIMESTAMP = '2020-05-01T07:00:00Z'
const BODY = '{"events":[{"event":"access/grant","timestamp":"2020-05-01T07:00:00Z"}]}'
const SIGNATURE = 'c27f187960625ebccc33336030b071dac1d54b1e98d9e27fe5452ee00c935fb0'
const AT = Date.parse(TIMESTAMP)

describe('@openindent/webhook', () => {
  it("signs Indent's test vector to Indent's signature", async () => {
    expect(
      await sign({ secret: SECRET, payload: getSignaturePayload({ timestamp: TIMESTAMP, body: BODY }) }),
    ).toBe(SIGNATURE)
    expect(getSignaturePayload({ timestamp: TIMESTAMP, body: JSON.parse(BODY) })).toBe(
      `v0:${TIMESTAMP}:${BODY}`,
    )
  })

  it('verifies a call by its headers, whatever their case, within the tolerance', async () => {
    const headers = { 'x-indent-signature': SIGNATURE, 'X-INDENT-TIMESTAMP': TIMESTAMP }
    expect(await verify({ secret: SECRET, body: BODY, headers, now: AT + 60_000 })).toBe(true)
    const fetchHeaders = new Headers({ [SIGNATURE_HEADER]: SIGNATURE, [TIMESTAMP_HEADER]: TIMESTAMP })
    expect(await verify({ secret: SECRET, body: BODY, headers: fetchHeaders, now: AT })).toBe(true)
  })

  it('refuses a changed body, a wrong secret, a malformed signature and a missing header', async () => {
    const base = { secret: SECRET, timestamp: TIMESTAMP, signature: SIGNATURE, now: AT }
    await expect(verify({ ...base, body: BODY.replace('grant', 'revoke') })).rejects.toThrow(
      /invalid signature/,
    )
    await expect(verify({ ...base, body: BODY, secret: 'secret_124' })).rejects.toBeInstanceOf(
      WebhookVerificationError,
    )
    await expect(verify({ ...base, body: BODY, signature: 'zz' })).rejects.toThrow(/invalid signature/)
    await expect(verify({ ...base, body: BODY, signature: SIGNATURE.slice(2) })).rejects.toThrow(/invalid/)
    await expect(
      verify({ secret: SECRET, body: BODY, headers: { [TIMESTAMP_HEADER]: TIMESTAMP } }),
    ).rejects.toThrow(/missing X-Indent-Signature/)
    expect(await verify({ ...base, body: '{}', throwError: false })).toBe(false)
  })

  it('refuses a replay outside the tolerance (5 minutes by default, either side)', async () => {
    const base = { secret: SECRET, body: BODY, timestamp: TIMESTAMP, signature: SIGNATURE }
    await expect(verify({ ...base, now: AT + 5 * 60_000 + 1 })).rejects.toThrow(/tolerance/)
    await expect(verify({ ...base, now: AT - 5 * 60_000 - 1 })).rejects.toThrow(/tolerance/)
    expect(await verify({ ...base, now: AT + 10 * 60_000, toleranceMs: 11 * 60_000 })).toBe(true)
    expect(await verify({ ...base, now: AT + 1e12, toleranceMs: Number.POSITIVE_INFINITY })).toBe(true)
  })

  it("signs calls that Indent's own verify accepts", async () => {
    const body = JSON.stringify({ events: [{ event: 'access/revoke' }] })
    const headers = signatureHeaders({ secret: 'whsec', body })
    expect(await indent.verify({ secret: 'whsec', body, headers })).toBe(true)
    expect(await verify({ secret: 'whsec', body, headers })).toBe(true)
  })
})
