// The guide's `./db`: the portal's own customer database, a JSON file (`npm run seed` rewrites it).
// Read from the working directory: `next start` and `npm run upload` both run in the portal's folder.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

let customers

function load() {
  customers ??= JSON.parse(readFileSync(join(process.cwd(), 'data/customers.json'), 'utf8'))
  return customers
}

export default {
  customers: {
    async list() {
      return load()
    },
    async get(id) {
      return load().find((c) => c.id === id)
    },
  },
}
