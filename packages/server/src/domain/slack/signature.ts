import { createHmac, timingSafeEqual } from 'node:crypto'

/** How far a request's timestamp may be from our clock, as Slack recommends. */
export const SLACK_TOLERANCE_MS = 5 * 60_000

/**
 * Why a request does not come from Slack, or undefined when it does: `X-Slack-Signature` must be
 * `v0=` and the hex HMAC-SHA256, keyed with the signing secret, of `v0:{X-Slack-Request-Timestamp}:{body}`
 * (the body exactly as received), and the timestamp within five minutes of now.
 */
export function slackSignatureProblem(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  now: number,
): string | undefined {
  if (!timestamp || !signature) return 'missing X-Slack-Request-Timestamp or X-Slack-Signature'
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Slack-Request-Timestamp is not a Unix time in seconds'
  if (Math.abs(now - Number(timestamp) * 1000) > SLACK_TOLERANCE_MS) {
    return 'the request is older (or newer) than five minutes'
  }
  const match = /^v0=([0-9a-f]{64})$/.exec(signature)
  if (!match?.[1]) return 'X-Slack-Signature is not a v0 signature'
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest()
  if (!timingSafeEqual(expected, Buffer.from(match[1], 'hex'))) return 'the signature does not match'
  return undefined
}
