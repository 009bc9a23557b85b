'use client'

import { useRouter } from 'next/navigation'
import { useEffect, useRef, useState } from 'react'
import { requestAccess } from '../../actions'

/** However quickly the server answers "waiting", the page asks again no sooner than this. */
const MIN_GAP_MS = 3000

export function RequestAccess({ customerId }) {
  const router = useRouter()
  const [state, setState] = useState({ status: 'idle' })
  // Until React has hydrated, a click would submit the form as a plain GET: keep the button off till then.
  const [ready, setReady] = useState(false)
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    setReady(true)
    return () => {
      alive.current = false
    }
  }, [])

  async function ask(reason) {
    setState({ status: 'sending' })
    // The first call files the petition and answers at once; each later one is held open by OpenIndent
    // until a decision or its wait runs out: a calm loop, not polling.
    for (let first = true; alive.current; first = false) {
      const started = Date.now()
      const result = await requestAccess(customerId, reason, first ? 'now' : 'hold')
      if (!alive.current) return
      if (result.ok) {
        setState({ status: 'granted' })
        router.refresh()
        return
      }
      if (result.status !== 'waiting') {
        setState({ status: result.status, reason: result.reason })
        return
      }
      if (first) setState({ status: 'waiting' })
      const gap = MIN_GAP_MS - (Date.now() - started)
      if (gap > 0) await new Promise((r) => setTimeout(r, gap))
    }
  }

  if (state.status === 'sending') {
    return <p role="status">Sending the request…</p>
  }
  if (state.status === 'waiting') {
    return (
      <p className="waiting" role="status">
        Waiting for approval… A reviewer has been asked in OpenIndent; this page updates by itself.
      </p>
    )
  }
  if (state.status === 'granted') {
    return (
      <p className="granted" role="status">
        Approved: loading the details…
      </p>
    )
  }
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault()
        ask(String(new FormData(e.currentTarget).get('reason') ?? ''))
      }}
    >
      {state.status === 'denied' && (
        <p className="denied" role="alert">
          Denied{state.reason ? `: ${state.reason}` : ''}
        </p>
      )}
      {state.status === 'unknown' && (
        <p className="denied" role="alert">
          The request could not be sent. Try again, or ask an administrator.
        </p>
      )}
      <p>This customer's details need an approved access request.</p>
      <label>
        Reason (optional)
        <input name="reason" maxLength={1000} />
      </label>
      <button type="submit" disabled={!ready}>
        Request Access
      </button>
    </form>
  )
}
