'use client'

import { useActionState } from 'react'
import { signIn } from '../actions'

export function SignInForm() {
  const [state, action, pending] = useActionState(signIn, undefined)
  return (
    <form action={action} className="stack">
      <label>
        Name
        <input name="name" autoComplete="name" required />
      </label>
      <label>
        Work email
        <input name="email" type="email" autoComplete="email" required />
      </label>
      {state?.error && <p role="alert">{state.error}</p>}
      <button type="submit" disabled={pending}>
        Sign in
      </button>
    </form>
  )
}
