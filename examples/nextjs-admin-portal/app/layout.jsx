import './globals.css'
import { currentStaff } from '../lib/session'
import { signOut } from './actions'

export const metadata = { title: 'Admin portal' }

export default async function RootLayout({ children }) {
  const staff = await currentStaff()
  return (
    <html lang="en">
      <body>
        <header>
          <a href="/customers" className="brand">
            Admin portal
          </a>
          {staff && (
            <form action={signOut}>
              <span>{staff.name}</span> <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
