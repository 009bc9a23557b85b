// Step 3 of the guide, as written there but for the package scope (@indent/ → @openindent/).
import { IndentAPI } from '@openindent/api'
import db from './db'

const client = new IndentAPI()

async function upload() {
  const customers = await db.customers.list()

  await client.resource.bulkUpdate({
    resources: customers.map((c) => ({
      kind: 'customer',
      id: c.id,
      displayName: c.name,
      labels: { plan: c.plan },
    })),
  })
}

upload()
