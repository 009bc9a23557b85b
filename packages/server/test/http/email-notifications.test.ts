import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { type Arrived, readable, startSmtp } from '../helpers/smtp.js'
import { adminToken } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

describe.each(ENGINES)('email through SMTP, from the outbox, on %s', (engine) => {
  let s: TestServer
  let smtp: Awaited<ReturnType<typeof startSmtp>>

  beforeAll(async () => {
    smtp = await startSmtp()
    s = await startTestServer(engine, {
      env: {
        OPENINDENT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OPENINDENT_SMTP_FROM: 'Access <access@example.com>',
        OPENINDENT_PUBLIC_URL: 'https://access.example.com',
      },
    })
  })
  afterAll(async () => {
    await s.close()
    await smtp.close()
  })
  beforeEach(() => {
    s.clock.advance(1000)
    smtp.mails.length = 0
    smtp.refuse = false
  })

  async function open(id: string, petitioner = alice): Promise<string> {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: {
        petitioners: [petitioner],
        resources: [{ kind: 'customer', id, displayName: `Customer ${id}` }],
        reason: 'ticket OPS-7',
      },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }

  it('mails the reviewers a new request with a link, and the requester the approval', async () => {
    const petition = await open('c1')
    await s.rt.outbox.drain()
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0] as Arrived
    expect(mail.from).toBe('access@example.com')
    expect(mail.to).toEqual([s.boot.adminEmail])
    const text = readable(mail.raw)
    expect(text).toMatch(/Subject: Access request: alice@example.com asks for Customer c1/)
    expect(text).toContain(`https://access.example.com/petitions/${petition}`)
    expect(text).toContain('Reason: ticket OPS-7')
    // Plain text and HTML, nothing else (no tracking images).
    expect(text).toMatch(/Content-Type: text\/plain/)
    expect(text).toMatch(/Content-Type: text\/html/)
    expect(text).not.toMatch(/<img/i)

    smtp.mails.length = 0
    const claim = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(claim.status).toBe(200)
    await s.rt.outbox.drain()
    expect(smtp.mails.map((m) => m.to)).toEqual([['alice@example.com']])
    expect(readable(smtp.mails[0]?.raw ?? '')).toMatch(/Subject: Access request approved: Customer c1/)
  })

  it('mails the requester a denial', async () => {
    const petition = await open('c2')
    await s.rt.outbox.drain()
    smtp.mails.length = 0
    const claim = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/deny', reason: 'not during the freeze' } },
    })
    expect(claim.status).toBe(200)
    await s.rt.outbox.drain()
    expect(smtp.mails.map((m) => m.to)).toEqual([['alice@example.com']])
    const text = readable(smtp.mails[0]?.raw ?? '')
    expect(text).toMatch(/Subject: Access request denied: Customer c2/)
    expect(text).toContain('not during the freeze')
  })

  it('never asks petitioners to review their own request (four eyes)', async () => {
    await open('c3', { kind: 'user', id: s.boot.adminEmail, email: s.boot.adminEmail })
    await s.rt.outbox.drain()
    expect(smtp.mails).toHaveLength(0)
  })

  it('keeps a refused email as a pending delivery with the error, and sends it on the retry', async () => {
    smtp.refuse = true
    await open('c4')
    await s.rt.outbox.drain()
    expect(smtp.mails).toHaveLength(0)
    const listed = await s.call('GET', `${base}/deliveries?status=pending`)
    const { deliveries } = (await listed.json()) as {
      deliveries: {
        channel: string
        webhook: string
        attempts: number
        lastError?: string
        nextAttemptTime: string
      }[]
    }
    const mine = deliveries.find((d) => d.channel === 'email')
    expect(mine).toMatchObject({ webhook: s.boot.adminEmail, attempts: 1 })
    expect(mine?.lastError).toMatch(/mailbox unavailable/)
    smtp.refuse = false
    s.clock.set(Date.parse(mine?.nextAttemptTime ?? ''))
    await s.rt.outbox.drain()
    expect(smtp.mails.map((m) => m.to)).toEqual([[s.boot.adminEmail]])
  })
})
