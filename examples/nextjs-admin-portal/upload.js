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
