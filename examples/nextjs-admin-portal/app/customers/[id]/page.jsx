import { notFound, redirect } from 'next/navigation'
import db from '../../../db'
import { activeGrant, recordView } from '../../../lib/openindent'
import { currentStaff } from '../../../lib/session'
import { RequestAccess } from './request-access'

export const dynamic = 'force-dynamic'

function timeLeft(expireTime, now) {
  if (!expireTime) return 'until revoked'
  const minutes = Math.max(0, Math.round((Date.parse(expireTime) - now) / 60_000))
  const h = Math.floor(minutes / 60)
  return `${h ? `${h} h ` : ''}${minutes % 60} min left`
}

export default async function CustomerPage({ params }) {
  const staff = await currentStaff()
  if (!staff) redirect('/signin')
  const { id } = await params
  const customer = await db.customers.get(id)
  if (!customer) notFound()

  // Asked on every request, never cached: a revoked or expired grant hides the details at once.
  const grant = await activeGrant(staff.email, customer.id)
  // Before rendering, and failing the page if it fails: no look at a customer goes unrecorded.
  if (grant) await recordView(staff, customer, grant)
  const now = Date.now()

  return (
    <section className="card">
      <p>
        <a href="/customers">← Customers</a>
      </p>
      <h1>{customer.name}</h1>
      <p>
        Plan: <span className={`plan plan-${customer.plan}`}>{customer.plan}</span>
      </p>
      {grant ? (
        <>
          <p className="granted" role="status">
            Access granted · <span data-testid="time-left">{timeLeft(grant.expireTime, now)}</span>
          </p>
          <dl className="details">
            <dt>Contact</dt>
            <dd>{customer.contact}</dd>
            <dt>Phone</dt>
            <dd>{customer.phone}</dd>
            <dt>City</dt>
            <dd>{customer.city}</dd>
            <dt>Monthly spend</dt>
            <dd>${customer.monthlySpend.toLocaleString('en-US')}</dd>
          </dl>
        </>
      ) : (
        <RequestAccess customerId={customer.id} />
      )}
    </section>
  )
}
