/**
 * bulkUpdate throughput: 100,000 customers through the SDK to a running server (a child process),
 * beside a raw driver upsert of the same rows into the same schema, in the same run, on SQLite and
 * PostgreSQL. Prints rows/s and the ratio (target ≥ 0.5).
 *
 *   npm run bench:bulk-update [-- --rows 100000 --engines sqlite,postgres]
 */
import { IndentAPI } from '@openindent/api'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { startServerProcess } from '../test/support/server-process.js'
import { rawUpsert } from './lib/raw-upsert.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '')
const ROWS = Number(args.get('rows') ?? 100_000)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const CHUNK = 1000

const customers = Array.from({ length: ROWS }, (_, i) => ({
  kind: 'customer',
  id: `cus_${i.toString(36).padStart(6, '0')}`,
  displayName: `Customer ${i}`,
  labels: { plan: ['free', 'pro', 'enterprise'][i % 3] as string, region: i % 2 ? 'eu' : 'us' },
}))

async function throughSdk(db: TestDatabase): Promise<number> {
  const server = await startServerProcess({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: { LOG_LEVEL: 'info' },
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  })
  try {
    const api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
    const start = performance.now()
    await api.resource.bulkUpdate({ resources: customers }, { chunkSize: CHUNK, concurrency: 2 })
    return performance.now() - start
  } finally {
    await server.stop()
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

for (const engine of ENGINES) {
  const sdkDb = await createTestDatabase(engine)
  const rawDb = await createTestDatabase(engine)
  try {
    const rawMs = await rawUpsert(engine, rawDb, customers, CHUNK)
    const sdkMs = await throughSdk(sdkDb)
    const raw = (ROWS / rawMs) * 1000
    const sdk = (ROWS / sdkMs) * 1000
    console.log(
      `${engine.padEnd(8)} rows=${fmt(ROWS)}  raw driver upsert ${fmt(raw)} rows/s  ` +
        `SDK → server ${fmt(sdk)} rows/s  ratio ${(sdk / raw).toFixed(2)} (target ≥ 0.50)`,
    )
  } finally {
    await sdkDb.drop()
    await rawDb.drop()
  }
}
