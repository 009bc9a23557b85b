// The admin portal's "Request Access" button, as a process: prints the guide function's result as JSON.
import { requestCustomerAccess } from './request-access'

const [email, customerId] = process.argv.slice(2)
const ctx = { user: { id: email, email } }
console.log(JSON.stringify(await requestCustomerAccess(ctx, customerId)))
