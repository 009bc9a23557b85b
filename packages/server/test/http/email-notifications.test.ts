import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken } from './support.js'

interface Arrived {
  from: string
  to: string[]
  raw: string
}

/** A real SMTP listener that keeps what arrives; `refuse` makes it reject messages. */
async function startSmtp(): Promise<{
  port: number
  mails: Arrived[]
  refuse: boolean
  close(): Promise<void>
}> {
  const state = { port: 0, mails: [] as Arrived[], refuse: false, close: async () => {} }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (state.refuse) return callback(new Error('mailbox unavailable'))
        state.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  state.port = (server.server.address() as AddressInfo).port
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return state
}

/** The raw message with quoted-printable soft breaks and escapes undone, enough to read it. */
const readable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))

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
