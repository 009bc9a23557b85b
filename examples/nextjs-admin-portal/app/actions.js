'use server'

import { redirect } from 'next/navigation'
import db from '../db'
import { endSession, startSession } from '../lib/session'
import { requestCustomerAccess } from '../request-access'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export async function signIn(_previous, form) {
  const name = String(form.get('name') ?? '').trim()
  const email = String(form.get('email') ?? '')
    .trim()
    .toLowerCase()
  if (!name || name.length > 100) return { error: 'Enter your name.' }
  if (!EMAIL.test(email) || email.length > 254) return { error: 'Enter a valid work email.' }
  await startSession({ name, email })
  redirect('/customers')
}

export async function signOut() {
  await endSession()
  redirect('/signin')
}

/**
 * The "Request Access" button. With `mode` 'now' it files the petition and answers at once; with 'hold'
 * the approval check holds the request open up to `WAIT` seconds, so a decision taken meanwhile comes
 * back at once. The page calls again while the answer is "waiting".
 */
const WAIT = 25

export async function requestAccess(customerId, reason, mode) {
  if (typeof customerId !== 'string' || !(await db.customers.get(customerId))) {
    return { ok: false, status: 'unknown' }
  }
  const why = typeof reason === 'string' ? reason.trim().slice(0, 1000) : ''
  try {
    return await requestCustomerAccess(
      { reason: why || undefined, wait: mode === 'hold' ? WAIT : 0 },
      customerId,
    )
  } catch {
    return { ok: false, status: 'unknown' }
  }
}
