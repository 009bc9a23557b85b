import { lookup } from 'node:dns'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import { signatureHeaders } from '@openindent/webhook'
import type { CallResult, CallOptions as PerCall, WebhookCaller } from '../domain/webhooks/ports.js'
import type { WebhookRecord } from '../domain/webhooks/types.js'
import { isMetadataAddress, metadataHostIn } from '../domain/webhooks/url-guard.js'

export interface CallerOptions {
  /** The longest one call may take, connection to last byte, in ms. */
  timeoutMs: number
  allowMetadataUrls: boolean
  /** The most of a receiver's answer that is read (a pull may return many resources). */
  maxResponseBytes: number
  userAgent: string
}

/**
 * Sends signed webhook calls with `node:http`. The address a host name resolves to is checked when the
 * connection is made, not before, so a name that resolves to a metadata address (or re-resolves to one
 * later) is refused too. Redirects are not followed: a receiver cannot send the call elsewhere.
 */
export class HttpWebhookCaller implements WebhookCaller {
  private readonly guardedLookup: LookupFunction

  constructor(private readonly opts: CallerOptions) {
    this.guardedLookup = (hostname, options, callback) => {
      lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0)
        const list = addresses as unknown as { address: string; family: number }[]
        const bad = list.find((a) => isMetadataAddress(a.address))
        if (bad && !this.opts.allowMetadataUrls) {
          return callback(new Error(`refused: ${hostname} resolves to a cloud metadata address`), '', 0)
        }
        if (options.all) return callback(null, list as never)
        const first = list[0]
        if (!first) return callback(new Error(`${hostname} has no address`), '', 0)
        return callback(null, first.address, first.family)
      })
    }
  }

  call(
    hook: WebhookRecord,
    body: string,
    delivery?: { id: string; attempt: number },
    perCall: PerCall = {},
  ): Promise<CallResult> {
    const timeoutMs = perCall.timeoutMs ?? this.opts.timeoutMs
    const url = new URL(hook.url)
    const host = metadataHostIn(url)
    if (host && !this.opts.allowMetadataUrls) {
      return Promise.reject(new Error(`refused: ${host} is a cloud metadata address`))
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.opts.userAgent,
      ...signatureHeaders({ secret: hook.secret, body }),
      ...(delivery
        ? { 'x-openindent-delivery': delivery.id, 'x-openindent-attempt': String(delivery.attempt) }
        : {}),
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const started = performance.now()
    return new Promise<CallResult>((resolve, reject) => {
      const req = send(
        url,
        {
          method: hook.method,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup: this.guardedLookup,
          timeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > this.opts.maxResponseBytes) {
              req.destroy(new Error(`the answer exceeded ${this.opts.maxResponseBytes} bytes`))
              return
            }
            chunks.push(c)
          })
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              latencyMs: performance.now() - started,
            }),
          )
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', (err) =>
        reject(err.name === 'AbortError' ? new Error(`no answer within ${timeoutMs} ms`) : err),
      )
      req.end(body)
    })
  }
}
