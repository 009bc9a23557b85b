import {
  LABEL_KEY_MAX,
  LABEL_VALUE_MAX,
  LABELS_PER_OBJECT_MAX,
  LABELS_PER_REQUEST_MAX,
} from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, type SpaceState, spaceState } from './support.js'

const base = '/v1/spaces/default'
const bulk = `${base}/resources:bulkUpdate`
const labels = (n: number, prefix = 'k') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']))
const resource = (i: number, l: Record<string, string> = {}) => ({
  kind: 'customer',
  id: `cus_${i}`,
  labels: l,
})
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

describe.each(ENGINES)('label limits on %s', (engine) => {
  let s: TestServer
  let before: SpaceState

  beforeAll(async () => {
    s = await startTestServer(engine)
    before = await spaceState(s)
  })
  afterAll(() => s.close())

  async function refused(method: string, path: string, body: unknown, param: string): Promise<string> {
    const res = await s.call(method, path, { body })
    const error = await expectError(res, 400, 'INVALID_ARGUMENT', param)
    expect(await spaceState(s)).toEqual(before)
    return error.message
  }

  it(`more than ${LABELS_PER_OBJECT_MAX} labels on one resource is 400 naming the resource's labels and the limit`, async () => {
    const list = [0, 1, 2, 3].map((i) => resource(i, labels(i === 3 ? LABELS_PER_OBJECT_MAX + 1 : 2)))
    const message = await refused('PUT', bulk, { resources: list }, 'resources.3.labels')
    expect(message).toContain(String(LABELS_PER_OBJECT_MAX))
    await refused(
      'POST',
      `${base}/resources`,
      { resource: resource(9, labels(LABELS_PER_OBJECT_MAX + 1)) },
      'resource.labels',
    )
  })

  it('300,000 labels on one resource are refused on their count, before any schema runs', async () => {
    // No kind: the schema would report that first, so a refusal on the labels is the early count's.
    const huge = { id: 'cus_1', labels: labels(300_000) }
    const message = await refused('PUT', bulk, { resources: [huge] }, 'resources.0.labels')
    expect(message).toContain(`at most ${LABELS_PER_OBJECT_MAX} labels per object`)
  })

  it('100,000 resources with three labels each pass the label limits (Indent SDK bulk size)', async () => {
    // The last resource lacks its kind, so the schema refuses it after the label walk let all 300,000
    // labels through: the request limit no longer stops a full upload, and nothing is stored.
    const list: object[] = Array.from({ length: 100_000 }, (_, i) => resource(i, labels(3)))
    list[99_999] = { id: 'cus_99999', labels: labels(3) }
    await refused('PUT', bulk, { resources: list }, 'resources.99999.kind')
  })

  it(`more than ${LABELS_PER_REQUEST_MAX} labels in one request is 400 at the resource that passes the limit`, async () => {
    const per = 60
    const count = Math.ceil(LABELS_PER_REQUEST_MAX / per) + 10
    const list = Array.from({ length: count }, (_, i) => resource(i, labels(per)))
    const first = Math.floor(LABELS_PER_REQUEST_MAX / per)
    const message = await refused('PUT', bulk, { resources: list }, `resources.${first}.labels`)
    expect(message).toContain(String(LABELS_PER_REQUEST_MAX))
  })

  it('a key or a value over its length limit is 400 naming the label', async () => {
    await refused(
      'PUT',
      bulk,
      { resources: [resource(1, { ['k'.repeat(LABEL_KEY_MAX + 1)]: 'v' })] },
      `resources.0.labels.${'k'.repeat(LABEL_KEY_MAX + 1)}`,
    )
    await refused(
      'PUT',
      bulk,
      { resources: [resource(1, { plan: 'v'.repeat(LABEL_VALUE_MAX + 1) })] },
      'resources.0.labels.plan',
    )
  })

  it('petition, check, claim and event labels obey the same per-object limit', async () => {
    const tooMany = labels(LABELS_PER_OBJECT_MAX + 1)
    await refused(
      'POST',
      `${base}/petitions`,
      {
        petition: {
          petitioners: [alice],
          resources: [{ kind: 'customer', id: 'c' }],
          meta: { labels: tooMany },
        },
      },
      'petition.meta.labels',
    )
    await refused(
      'POST',
      `${base}/approvals:check`,
      { petitioners: [{ ...alice, labels: tooMany }], resources: [{ kind: 'customer', id: 'c' }] },
      'petitioners.0.labels',
    )
    await refused(
      'POST',
      `${base}/events:write`,
      { events: [{ event: 'app/x', meta: { labels: tooMany } }] },
      'events.0.meta.labels',
    )
    await refused(
      'POST',
      `${base}/events:write`,
      { events: [{ event: 'app/x', resources: [{ kind: 'k', id: 'i', labels: tooMany }] }] },
      'events.0.resources.0.labels',
    )
    await refused(
      'POST',
      `${base}/events:write`,
      {
        events: [
          { event: 'app/x', resources: Array.from({ length: 101 }, (_, i) => ({ kind: 'k', id: `${i}` })) },
        ],
      },
      'events.0.resources',
    )
  })

  it(`exactly ${LABELS_PER_OBJECT_MAX} labels of the longest key and value are accepted`, async () => {
    const full = Object.fromEntries(
      Array.from({ length: LABELS_PER_OBJECT_MAX }, (_, i) => [
        `${i}`.padStart(LABEL_KEY_MAX, 'k'),
        'v'.repeat(LABEL_VALUE_MAX),
      ]),
    )
    const res = await s.call('PUT', bulk, { body: { resources: [resource(1, full)] } })
    expect(res.status).toBe(200)
    const [stored] = ((await res.json()) as { resources: { labels: Record<string, string> }[] }).resources
    expect(stored?.labels).toEqual(full)
  })
})

describe.each(ENGINES)('a full-size upload on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  it('more than 100,000 labels across resources are stored when each resource is within its limit', async () => {
    const count = 35_000
    const res = await s.call('PUT', bulk, {
      body: { resources: Array.from({ length: count }, (_, i) => resource(i, labels(3, 'u'))) },
    })
    expect(res.status).toBe(200)
    const out = (await res.json()) as { resources: { id: string; labels: Record<string, string> }[] }
    expect(out.resources).toHaveLength(count)
    expect(out.resources[count - 1]?.labels).toEqual(labels(3, 'u'))
  }, 120_000)
})
