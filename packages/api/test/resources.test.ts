import type { ResourceInput } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  BadRequestError,
  type BulkProgress,
  type IndentAPI,
  type IndentError,
  NotFoundError,
} from '../src/index.js'
import { ENGINES, type LiveServer, recordingFetch, startLiveServer, unique } from './live-server.js'

function resources(
  kind: string,
  count: number,
  labels: Record<string, string> = { plan: 'pro' },
): ResourceInput[] {
  return Array.from({ length: count }, (_, i) => ({ kind, id: String(i), labels }))
}

describe.each(ENGINES)('resources against the server on %s', (engine) => {
  let server: LiveServer
  let client: IndentAPI

  beforeAll(async () => {
    server = await startLiveServer(engine)
    client = server.client()
  })
  afterAll(() => server.close())

  /** Every resource of a kind, through listAll. */
  async function stored(kind: string): Promise<string[]> {
    const ids: string[] = []
    for await (const resource of client.resource.listAll({ kind })) ids.push(resource.id)
    return ids.sort((a, b) => Number(a) - Number(b))
  }

  test('create, get, update and delete round-trip a resource; only the POST carries an idempotency key', async () => {
    const { fetch, sent } = recordingFetch()
    const recorded = server.client({ fetch })
    const input = { kind: unique('customer'), id: 'cus_1', displayName: 'Acme', labels: { plan: 'pro' } }
    const created = await recorded.resource.create({ resource: input })
    expect(created).toMatchObject(input)
    expect(await recorded.resource.get({ resourceName: created.name })).toEqual(created)
    const updated = await recorded.resource.update({
      resourceName: created.name,
      resource: { ...input, displayName: 'Acme Corp' },
    })
    expect(updated).toMatchObject({ name: created.name, displayName: 'Acme Corp' })
    await recorded.resource.delete({ resourceName: created.name })
    await expect(recorded.resource.get({ resourceName: created.name })).rejects.toBeInstanceOf(NotFoundError)
    expect(sent.map((r) => [r.method, r.headers.has('idempotency-key')])).toEqual([
      ['POST', true],
      ['GET', false],
      ['PUT', false],
      ['DELETE', false],
      ['GET', false],
    ])
  })

  test('list filters by kind and label selector, one page at a time', async () => {
    const kind = unique('customer')
    await client.resource.bulkUpdate({
      resources: [
        { kind, id: 'a', labels: { plan: 'pro' } },
        { kind, id: 'b', labels: { plan: 'team' } },
        { kind, id: 'c', labels: { plan: 'free' } },
        { kind: unique('other'), id: 'a', labels: { plan: 'pro' } },
      ],
    })
    const page = await client.resource.list({ kind, labelSelector: 'plan in (pro,team)' })
    expect(page.resources.map((r) => r.id).sort()).toEqual(['a', 'b'])
    const first = await client.resource.list({ kind, pageSize: 2 })
    expect(first.resources).toHaveLength(2)
    const second = await client.resource.list({ kind, pageSize: 2, pageToken: first.nextPageToken })
    expect(second.nextPageToken).toBeUndefined()
    expect([...first.resources, ...second.resources].map((r) => r.id).sort()).toEqual(['a', 'b', 'c'])
  })

  test('listAll follows nextPageToken across pages and keeps the filters', async () => {
    const kind = unique('customer')
    await client.resource.bulkUpdate({ resources: resources(kind, 5) })
    const { fetch, sent } = recordingFetch()
    const ids: string[] = []
    for await (const resource of server.client({ fetch }).resource.listAll({ kind, pageSize: 2 }))
      ids.push(resource.id)
    expect(ids.sort()).toEqual(['0', '1', '2', '3', '4'])
    expect(sent).toHaveLength(3)
    for (const request of sent) {
      expect(request.url.searchParams.get('kind')).toBe(kind)
      expect(request.url.searchParams.get('pageSize')).toBe('2')
    }
  })

  test('bulkUpdate with returnResources: false resolves with what the server counted: new, updated, unchanged', async () => {
    const kind = unique('customer')
    const first = await client.resource.bulkUpdate(
      { resources: resources(kind, 1500) },
      { chunkSize: 1000, returnResources: false },
    )
    expect(first).toEqual({ count: 1500, created: 1500, updated: 0, unchanged: 0 })
    // 500 more, 10 of the first renamed, the rest sent as they are.
    const input = resources(kind, 2000).map((r, i) => (i < 10 ? { ...r, displayName: `Renamed ${i}` } : r))
    const second = await client.resource.bulkUpdate({ resources: input }, { returnResources: false })
    expect(second).toEqual({ count: 2000, created: 500, updated: 10, unchanged: 1490 })
    expect(await stored(kind)).toHaveLength(2000)
  })

  test('bulkUpdate stores 2,500 resources in chunks of 1,000, answers them in input order, and reports progress', async () => {
    const kind = unique('customer')
    const input = resources(kind, 2500)
    const progress: BulkProgress[] = []
    const result = await client.resource.bulkUpdate(
      { resources: input },
      { chunkSize: 1000, onProgress: (p) => progress.push(p) },
    )
    expect(result.resources.map((r) => r.id)).toEqual(input.map((r) => r.id))
    expect(new Set(result.resources.map((r) => r.name)).size).toBe(2500)
    expect(progress.map((p) => p.total)).toEqual([2500, 2500, 2500])
    expect(progress.at(-1)?.done).toBe(2500)
    expect(await stored(kind)).toHaveLength(2500)
  })

  test('a chunk the server refuses stops the upload; uploaded counts the resources it stored', async () => {
    const kind = unique('customer')
    const input = resources(kind, 500)
    input[207] = { kind, id: '207', labels: { plan: 'x'.repeat(100_000) } }
    const error = await client.resource
      .bulkUpdate({ resources: input }, { chunkSize: 100, concurrency: 1 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).param).toMatch(/^resources\.7\.labels/)
    expect((error as IndentError).uploaded).toBe(200)
    expect(await stored(kind)).toEqual(input.slice(0, 200).map((r) => r.id))
  })

  test('bulkDelete deletes in chunks and counts only the names that existed', async () => {
    const kind = unique('customer')
    const { resources: created } = await client.resource.bulkUpdate({ resources: resources(kind, 25) })
    const { fetch, sent } = recordingFetch()
    const result = await server
      .client({ fetch })
      .resource.bulkDelete({ resourceNames: [...created.map((r) => r.name), 'missing'] }, { chunkSize: 10 })
    expect(result).toEqual({ deleted: 25 })
    expect(sent).toHaveLength(3)
    expect(new Set(sent.map((r) => r.headers.get('idempotency-key'))).size).toBe(3)
    expect(await stored(kind)).toEqual([])
  })
})
