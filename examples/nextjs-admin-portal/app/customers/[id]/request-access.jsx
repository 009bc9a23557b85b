'use client'

import { useRouter } from 'next/navigation'
import { useEffect, useRef, useState } from 'react'
import { requestAccess } from '../../actions'

/** However quickly the server answers "waiting", the page asks again no sooner than this. */
const MIN_GAP_MS = 3000

export function RequestAccess({ customerId }) {
  const router = useRouter()
  const [state, setState] = useState({ status: 'idle' })
  const [reason, setReason] = useState('')
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
    }
  }, [])

  async function ask() {
    setState({ status: 'waiting' })
    // Each call is held open by OpenIndent until a decision or its wait runs out: a calm loop.
    while (alive.current) {
      const started = Date.now()
      const result = await requestAccess(customerId, reason)
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
      const gap = MIN_GAP_MS - (Date.now() - started)
      if (gap > 0) await new Promise((r) => setTimeout(r, gap))
    }
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
        ask()
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
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
      </label>
      <button type="submit">Request Access</button>
    </form>
  )
}
