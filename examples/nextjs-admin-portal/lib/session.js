// The portal's own sign-in: staff are not OpenIndent members, so the portal keeps who is signed in
// in a cookie it signs itself (HMAC-SHA256 with PORTAL_SESSION_SECRET).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { cookies } from 'next/headers'

export const SESSION_COOKIE = 'portal_session'
const TWELVE_HOURS = 12 * 60 * 60

function secret() {
  const s = process.env.PORTAL_SESSION_SECRET
  // A short or missing secret would let anyone forge a session: refuse to run rather than guess one.
  if (!s || s.length < 32) throw new Error('Set PORTAL_SESSION_SECRET to at least 32 random characters')
  return s
}

const sign = (payload) => createHmac('sha256', secret()).update(payload).digest('base64url')

export function encodeSession(user, now = Date.now()) {
  const payload = Buffer.from(
    JSON.stringify({ name: user.name, email: user.email, exp: Math.floor(now / 1000) + TWELVE_HOURS }),
  ).toString('base64url')
  return `${payload}.${sign(payload)}`
}

export function decodeSession(value, now = Date.now()) {
  if (typeof value !== 'string') return undefined
  const [payload, mac] = value.split('.')
  if (!payload || !mac) return undefined
  const expected = Buffer.from(sign(payload))
  const given = Buffer.from(mac)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    if (typeof data.exp !== 'number' || data.exp * 1000 < now) return undefined
    if (typeof data.email !== 'string' || typeof data.name !== 'string') return undefined
    return { name: data.name, email: data.email }
  } catch {
    return undefined
  }
}

/** The signed-in staff member, or undefined. */
export async function currentStaff() {
  const jar = await cookies()
  return decodeSession(jar.get(SESSION_COOKIE)?.value)
}

export async function startSession(user) {
  const jar = await cookies()
  jar.set(SESSION_COOKIE, encodeSession(user), {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.PORTAL_SECURE_COOKIE === 'true',
    path: '/',
    maxAge: TWELVE_HOURS,
  })
}

export async function endSession() {
  const jar = await cookies()
  jar.delete(SESSION_COOKIE)
}
