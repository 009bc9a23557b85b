import { redirect } from 'next/navigation'
import db from '../../db'
import { currentStaff } from '../../lib/session'

export const dynamic = 'force-dynamic'

const PLANS = ['enterprise', 'pro', 'free']

export default async function CustomersPage({ searchParams }) {
  if (!(await currentStaff())) redirect('/signin')
  const { plan } = await searchParams
  const all = await db.customers.list()
  const shown = PLANS.includes(plan) ? all.filter((c) => c.plan === plan) : all
  return (
    <section>
      <h1>Customers</h1>
      <nav aria-label="Plans" className="filters">
        <a href="/customers" aria-current={PLANS.includes(plan) ? undefined : 'page'}>
          All ({all.length})
        </a>
        {PLANS.map((p) => (
          <a key={p} href={`/customers?plan=${p}`} aria-current={plan === p ? 'page' : undefined}>
            {p} ({all.filter((c) => c.plan === p).length})
          </a>
        ))}
      </nav>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Plan</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <tr key={c.id}>
              <td>
                <a href={`/customers/${c.id}`}>{c.name}</a>
              </td>
              <td>
                <span className={`plan plan-${c.plan}`}>{c.plan}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
