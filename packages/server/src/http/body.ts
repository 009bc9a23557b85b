import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import { DomainError } from '../domain/errors.js'
import type { AppEnv } from './env.js'
import { httpError, RequestAbortedError } from './errors.js'

const tooLarge = (max: number) =>
  httpError('PAYLOAD_TOO_LARGE', `the request body is larger than ${max} bytes`)

/** Bodies read before the app saw the request (by the approval check's fast path: see fast-check.ts). */
export const prereadBodies = new WeakMap<IncomingMessage, string>()

/**
 * The request body as text, refused with 413 past `max` bytes: at once when Content-Length says so,
 * otherwise as soon as the bytes read pass it. Under the Node server the body is read straight from
 * the IncomingMessage (`c.env.incoming`, which @hono/node-server documents): going through the Fetch
 * Request's web stream cost more than the rest of an approval check.
 */
export async function readBodyText(c: Context<AppEnv>, max: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  if (declared > max) throw tooLarge(max)
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  const preread = incoming && prereadBodies.get(incoming)
  if (preread !== undefined) {
    if (Buffer.byteLength(preread) > max) throw tooLarge(max)
    return preread
  }
  if (!incoming || incoming.readableEnded) {
    const text = await c.req.text()
    if (Buffer.byteLength(text) > max) throw tooLarge(max)
    return text
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > max) {
        incoming.resume()
        throw tooLarge(max)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    // The stream fails when the client goes away mid-body, or stalls past the request timeout and
    // Node cuts it off (answering 408 itself): the client's failure, not the server's.
    // (Our own 413 leaves the loop by throwing too, which destroys the stream: it passes through.)
    if (err instanceof DomainError) throw err
    if (incoming.destroyed || (err as { code?: string }).code === 'ECONNRESET')
      throw new RequestAbortedError(err)
    throw err
  }
  return Buffer.concat(chunks, size).toString('utf8')
}
