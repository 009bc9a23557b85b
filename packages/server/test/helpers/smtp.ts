import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface Arrived {
  from: string
  to: string[]
  raw: string
}

/** A real SMTP listener that keeps what arrives; `refuse` makes it reject messages. */
export async function startSmtp(): Promise<{
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
export const readable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
