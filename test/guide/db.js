// The guide's `./db`: the customer table of the app that uploads to OpenIndent.
const customers = [
  { id: 'cus_acme', name: 'Acme Corp', plan: 'enterprise' },
  { id: 'cus_globex', name: 'Globex', plan: 'pro' },
  { id: 'cus_initech', name: 'Initech', plan: 'free' },
]

export default {
  customers: {
    async list() {
      return customers
    },
  },
}
