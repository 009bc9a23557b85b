import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { Context } from 'hono'

/**
 * The client's address for rate limits: the socket's peer, or, behind `trustProxy` proxies that each
 * append to X-Forwarded-For, the entry the outermost of them wrote (entries to its left are whatever
 * the client sent, and prove nothing). An IPv6 client is counted by its /64, which one host commonly
 * holds whole; an IPv4-mapped address as the IPv4 one.
 */
export function clientAddress(c: Context, trustProxy: number): string {
  let address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress
  if (trustProxy > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean)
    const forwarded = hops.length >= trustProxy ? hops[hops.length - trustProxy] : undefined
    if (forwarded && isIP(forwarded)) address = forwarded
  }
  return address ? rateKey(address) : 'unknown'
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other IPv6 addresses → their first four groups (the /64). */
export function rateKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return mapped[1]
  if (isIP(address) !== 6) return address
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? []
  const left = head ? head.split(':') : []
  const right = address.includes('::') && tail ? tail.split(':') : []
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}
