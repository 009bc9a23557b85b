import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One Web API call as the stand-in received it, its arguments decoded (JSON-valued fields parsed). */
export interface SlackCall {
  method: string
  token: string | undefined
  args: Record<string, unknown>
}

export interface SlackUser {
  id: string
  email: string
  confirmed?: boolean
}

/**
 * A local stand-in of Slack's Web API: answers `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
 * `users.info` and `users.lookupByEmail` as Slack does (`{ok: true, …}` or `{ok: false, error}`) and
 * records every call. `failNext` makes the next call of a method answer `{ok: false}`.
 */
export class SlackStandIn {
  readonly calls: SlackCall[] = []
  readonly users = new Map<string, SlackUser>()
  readonly failNext = new Set<string>()
  private server: Server | undefined
  private seq = 0

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined
    if (!address) throw new Error('the Slack stand-in is not started')
    return `http://127.0.0.1:${address.port}/api/`
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? ''
        const text = Buffer.concat(chunks).toString('utf8')
        const args = decode(req.headers['content-type'] ?? '', text)
        const auth = req.headers.authorization
        this.calls.push({ method, token: auth?.replace(/^Bearer /, ''), args })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(this.answer(method, args)))
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()))
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  of(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    if (this.failNext.delete(method)) return { ok: false, error: 'channel_not_found' }
    switch (method) {
      case 'chat.postMessage': {
        this.seq += 1
        const channel = String(args.channel).replace(/^#/, 'C_')
        return { ok: true, channel, ts: `1700000000.${String(this.seq).padStart(6, '0')}` }
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: '1700000001.000001' }
      case 'users.info': {
        const u = this.users.get(String(args.user))
        if (!u) return { ok: false, error: 'user_not_found' }
        return {
          ok: true,
          user: {
            id: u.id,
            is_bot: false,
            deleted: false,
            is_email_confirmed: u.confirmed ?? true,
            profile: { email: u.email },
          },
        }
      }
      case 'users.lookupByEmail': {
        const u = [...this.users.values()].find(
          (x) => x.email.toLowerCase() === String(args.email).toLowerCase(),
        )
        return u
          ? { ok: true, user: { id: u.id, profile: { email: u.email } } }
          : { ok: false, error: 'users_not_found' }
      }
      default:
        return { ok: false, error: 'unknown_method' }
    }
  }
}

function decode(type: string, text: string): Record<string, unknown> {
  if (type.includes('application/json')) return JSON.parse(text || '{}') as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] = /^[[{]/.test(v) ? (JSON.parse(v) as unknown) : v
  }
  return out
}

/** Signs an interactivity request as Slack does: `v0=` hex HMAC-SHA256 of `v0:{timestamp}:{body}`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`
}
