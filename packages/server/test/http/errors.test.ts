import { BULK_UPDATE_MAX } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { type CallOptions, startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectEnvelope, expectError, type SpaceState, spaceState } from './support.js'

const base = '/v1/spaces/default'
const resources = `${base}/resources`
const customer = (i: number) => ({ kind: 'customer', id: `cus_${i}`, labels: { plan: 'pro' } })

const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

describe.each(ENGINES)('bad input on %s', (engine) => {
  let s: TestServer
  let before: SpaceState
  /** An open petition (alice for cus_1), for the claim cases: `{petition}` in a path stands for it. */
  let petition: string

  beforeAll(async () => {
    s = await startTestServer(engine)
    const seed = await s.call('PUT', `${resources}:bulkUpdate`, {
      body: { resources: [customer(1), customer(2)] },
    })
    expect(seed.status).toBe(200)
    const check = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'cus_1' }] },
    })
    expect(check.status).toBe(200)
    petition = ((await check.json()) as { petition: { name: string } }).petition.name
    before = await spaceState(s)
  })
  afterAll(() => s.close())

  /** Sends a request that must fail with `status`/`code` (and `param`) and leave the space as it was. */
  async function rejects(
    method: string,
    path: string,
    opts: CallOptions,
    status: number,
    code: Parameters<typeof expectError>[2],
    param?: string | null,
  ) {
    const res = await s.call(method, path, opts)
    const body = await expectError(res, status, code, param)
    expect(await spaceState(s)).toEqual(before)
    return body
  }

  describe('request bodies', () => {
    it('malformed JSON is 400 INVALID_ARGUMENT', async () => {
      for (const rawBody of [
        '{',
        '{"resources": [',
        "{'resources': []}",
        '{"resources": [],}',
        'resources',
        '',
      ]) {
        await rejects('PUT', `${resources}:bulkUpdate`, { rawBody }, 400, 'INVALID_ARGUMENT')
      }
    })

    it('JSON that is not an object is 400', async () => {
      for (const rawBody of ['[]', '[{"kind":"a","id":"b"}]', '"resources"', '42', 'null', 'true']) {
        await rejects('POST', `${resources}:bulkUpdate`, { rawBody }, 400, 'INVALID_ARGUMENT')
        await rejects('POST', resources, { rawBody }, 400, 'INVALID_ARGUMENT')
      }
    })

    it('wrong types name the field as a dotted path', async () => {
      const cases: [unknown, string][] = [
        [{ resources: [{ kind: 1, id: 'x' }] }, 'resources.0.kind'],
        [{ resources: [customer(3), { kind: 'customer', id: 7 }] }, 'resources.1.id'],
        [{ resources: [{ kind: 'customer', id: 'x', labels: { plan: 1 } }] }, 'resources.0.labels.plan'],
        [{ resources: [{ kind: 'customer', id: 'x', labels: ['a'] }] }, 'resources.0.labels'],
        [{ resources: [{ kind: 'customer', id: 'x', altIds: 'a' }] }, 'resources.0.altIds'],
        [{ resources: { kind: 'customer', id: 'x' } }, 'resources'],
        [{ resources: 'all' }, 'resources'],
      ]
      for (const [body, param] of cases) {
        await rejects('PUT', `${resources}:bulkUpdate`, { body }, 400, 'INVALID_ARGUMENT', param)
      }
      await rejects(
        'POST',
        resources,
        { body: { resource: { kind: [], id: 'x' } } },
        400,
        'INVALID_ARGUMENT',
        'resource.kind',
      )
      await rejects(
        'POST',
        `${base}/tokens`,
        { body: { serviceAccount: 'bootstrap', expiryDays: '7' } },
        400,
        'INVALID_ARGUMENT',
        'expiryDays',
      )
      await rejects(
        'PUT',
        `${base}/members/someone@example.com`,
        { body: { member: { roles: 'viewer' } } },
        400,
        'INVALID_ARGUMENT',
        'member.roles',
      )
    })

    it('an unknown top-level or nested field is refused by the strict schemas', async () => {
      const top = await rejects(
        'PUT',
        `${resources}:bulkUpdate`,
        { body: { resources: [customer(3)], extra: 1 } },
        400,
        'INVALID_ARGUMENT',
        'extra',
      )
      expect(top.message).toContain('extra')
      const nested = await rejects(
        'POST',
        resources,
        { body: { resource: { ...customer(3), colour: 'red' } } },
        400,
        'INVALID_ARGUMENT',
        'resource.colour',
      )
      expect(nested.message).toContain('colour')
      await rejects(
        'POST',
        `${base}/tokens`,
        { body: { serviceAccount: 'bootstrap', scope: 'all' } },
        400,
        'INVALID_ARGUMENT',
      )
      await rejects(
        'PATCH',
        base,
        { body: { space: { name: 'renamed' } } },
        400,
        'INVALID_ARGUMENT',
        'space.name',
      )
    })

    it('missing required fields are 400 with the missing field as param', async () => {
      await rejects('PUT', `${resources}:bulkUpdate`, { body: {} }, 400, 'INVALID_ARGUMENT', 'resources')
      await rejects(
        'PUT',
        `${resources}:bulkUpdate`,
        { body: { resources: [{ kind: 'customer' }] } },
        400,
        'INVALID_ARGUMENT',
        'resources.0.id',
      )
      await rejects(
        'POST',
        resources,
        { body: { resource: { id: 'x' } } },
        400,
        'INVALID_ARGUMENT',
        'resource.kind',
      )
      await rejects('POST', resources, { body: {} }, 400, 'INVALID_ARGUMENT', 'resource')
      await rejects('POST', `${resources}:bulkDelete`, { body: {} }, 400, 'INVALID_ARGUMENT', 'resourceNames')
      await rejects('POST', `${base}/tokens`, { body: {} }, 400, 'INVALID_ARGUMENT', 'serviceAccount')
      await rejects(
        'POST',
        `${base}/serviceAccounts`,
        { body: { name: 'x' } },
        400,
        'INVALID_ARGUMENT',
        'roles',
      )
    })

    it('a body that is not JSON by Content-Type is 415', async () => {
      const body = JSON.stringify({ resources: [customer(3)] })
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/jsonx',
        'multipart/form-data',
      ]) {
        await rejects(
          'PUT',
          `${resources}:bulkUpdate`,
          { rawBody: body, headers: { 'content-type': type } },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        )
      }
      // No Content-Type at all.
      const res = await s.app.request(`${resources}:bulkUpdate`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${s.boot.token}` },
        body: new Uint8Array(Buffer.from(body)),
      })
      await expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
      expect(await spaceState(s)).toEqual(before)
    })

    it(`more than BULK_UPDATE_MAX (${BULK_UPDATE_MAX}) resources is 400 on resources and writes none`, async () => {
      // Without labels: with a label each, the limit on labels per request (100,000) speaks first.
      const many = Array.from({ length: BULK_UPDATE_MAX + 1 }, (_, i) => ({ kind: 'customer', id: `c${i}` }))
      await rejects(
        'PUT',
        `${resources}:bulkUpdate`,
        { body: { resources: many } },
        400,
        'INVALID_ARGUMENT',
        'resources',
      )
      await rejects(
        'POST',
        `${resources}:bulkUpdate`,
        { body: { resources: many } },
        400,
        'INVALID_ARGUMENT',
        'resources',
      )
    })

    it('a bulkUpdate with one invalid resource among valid ones writes none of them', async () => {
      const valid = Array.from({ length: 50 }, (_, i) => customer(100 + i))
      const bad: [unknown, string][] = [
        [{ kind: '', id: 'x' }, 'resources.0.kind'],
        [{ kind: 'customer', id: 'x', labels: { plan: 'a'.repeat(4097) } }, 'resources.25.labels.plan'],
        [{ kind: 'customer', id: 'x', displayName: 'd'.repeat(1025) }, 'resources.50.displayName'],
      ]
      const positions = [0, 25, 50]
      for (const [i, [resource, param]] of bad.entries()) {
        const list: unknown[] = [...valid]
        list.splice(positions[i] ?? 0, 0, resource)
        await rejects(
          'PUT',
          `${resources}:bulkUpdate`,
          { body: { resources: list } },
          400,
          'INVALID_ARGUMENT',
          param,
        )
      }
      // Also when the bad one also collides with a resource that already exists.
      await rejects(
        'POST',
        `${resources}:bulkUpdate`,
        { body: { resources: [{ ...customer(1), labels: { plan: 'free' } }, { kind: 'customer' }] } },
        400,
        'INVALID_ARGUMENT',
        'resources.1.id',
      )
    })
    it('text no engine can store (NUL, unpaired surrogates) and __proto__ keys are 400 naming the field', async () => {
      const cases: [string, string, string, string][] = [
        [
          'PUT',
          `${resources}:bulkUpdate`,
          '{"resources":[{"kind":"k","id":"i","labels":{"a":"x\\u0000y"}}]}',
          'resources.0.labels.a',
        ],
        [
          'PUT',
          `${resources}:bulkUpdate`,
          '{"resources":[{"kind":"k","id":"i"},{"kind":"k","id":"\\ud800"}]}',
          'resources.1.id',
        ],
        [
          'POST',
          resources,
          '{"resource":{"kind":"k","id":"i","displayName":"\\udc00x"}}',
          'resource.displayName',
        ],
        [
          'POST',
          resources,
          '{"resource":{"kind":"k","id":"i","labels":{"__proto__":"x"}}}',
          'resource.labels.__proto__',
        ],
        [
          'POST',
          resources,
          '{"resource":{"kind":"k","id":"i","labels":{"\\u005f_proto__":"x"}}}',
          'resource.labels.__proto__',
        ],
        [
          'POST',
          `${base}/serviceAccounts`,
          '{"name":"bot","displayName":"\\u0000","roles":["viewer"]}',
          'displayName',
        ],
      ]
      for (const [method, path, rawBody, param] of cases) {
        await rejects(method, path, { rawBody }, 400, 'INVALID_ARGUMENT', param)
      }
      await rejects('GET', `${resources}?kind=a%00`, {}, 400, 'INVALID_ARGUMENT', 'kind')
      await rejects('GET', `${resources}/%00`, {}, 400, 'INVALID_ARGUMENT', 'resource')
      await rejects(
        'PUT',
        `${base}/members/a%00@example.com`,
        { body: { member: { roles: ['viewer'] } } },
        400,
        'INVALID_ARGUMENT',
        'email',
      )
    })

    it('escaped but well-formed text (surrogate pairs, other control characters) is still accepted', async () => {
      const rawBody =
        '{"resources":[{"kind":"k","id":"\\ud83d\\ude42","labels":{"tab":"a\\tb","e":"\\u00e9"}}]}'
      const res = await s.call('PUT', `${resources}:bulkUpdate`, { rawBody })
      expect(res.status).toBe(200)
      const [stored] = ((await res.json()) as { resources: { name: string; id: string; labels: object }[] })
        .resources
      expect(stored?.id).toBe('🙂')
      expect(stored?.labels).toEqual({ tab: 'a\tb', e: 'é' })
      const got = await s.call('GET', `${resources}/${stored?.name}`)
      expect(((await got.json()) as { id: string }).id).toBe('🙂')
      expect((await s.call('DELETE', `${resources}/${stored?.name}`)).status).toBe(200)
      // The control changed the space on purpose; later cases compare against the new state.
      before = await spaceState(s)
    })
  })

  describe('queries', () => {
    it.each([
      'a in (',
      '=x',
      'a===',
      'a=b=c',
      '!',
      'a in ()',
      'a in (x,)',
      'a notin (x',
      'a)',
      'plan=pro,',
      ',',
      'a b',
      'tier in ((a))',
      '-a=b',
    ])('labelSelector %j is 400 on labelSelector', async (selector) => {
      const q = new URLSearchParams({ labelSelector: selector })
      await rejects('GET', `${resources}?${q}`, {}, 400, 'INVALID_ARGUMENT', 'labelSelector')
    })

    it('labelSelector `a==` reads as Kubernetes does: label a equal to the empty string', async () => {
      // Kubernetes' parser accepts an empty value after `=`/`==` (labels.Parse("a==") selects a="").
      const q = new URLSearchParams({ labelSelector: 'plan==' })
      const res = await s.call('GET', `${resources}?${q}`)
      expect(res.status).toBe(200)
      expect(((await res.json()) as { resources: unknown[] }).resources).toEqual([])
    })

    it('an invalid pageToken is 400 on pageToken', async () => {
      const tokens = [
        'not-a-token',
        '!!!!',
        Buffer.from('{"kind":"customer"}').toString('base64url'),
        Buffer.from('["customer"]').toString('base64url'),
        Buffer.from('["customer", 1]').toString('base64url'),
        Buffer.from('null').toString('base64url'),
      ]
      for (const pageToken of tokens) {
        const q = new URLSearchParams({ pageToken })
        await rejects('GET', `${resources}?${q}`, {}, 400, 'INVALID_ARGUMENT', 'pageToken')
      }
      await rejects(
        'GET',
        `${base}/tokens?pageToken=${Buffer.from('[1]').toString('base64url')}`,
        {},
        400,
        'INVALID_ARGUMENT',
        'pageToken',
      )
      await rejects('GET', `/v1/spaces?pageToken=%7B%7D`, {}, 400, 'INVALID_ARGUMENT', 'pageToken')
      await rejects(
        'GET',
        `${resources}?pageToken=${'a'.repeat(2049)}`,
        {},
        400,
        'INVALID_ARGUMENT',
        'pageToken',
      )
    })

    it('pageSize 0, 100000, -1, 1.5 and abc are 400 on pageSize', async () => {
      for (const size of ['0', '100000', '-1', '1.5', 'abc', '1e9']) {
        await rejects('GET', `${resources}?pageSize=${size}`, {}, 400, 'INVALID_ARGUMENT', 'pageSize')
        await rejects('GET', `${base}/members?pageSize=${size}`, {}, 400, 'INVALID_ARGUMENT', 'pageSize')
      }
      await rejects('GET', '/v1/spaces?pageSize=0', {}, 400, 'INVALID_ARGUMENT', 'pageSize')
      await rejects('GET', `${base}/tokens?showRevoked=yes`, {}, 400, 'INVALID_ARGUMENT', 'showRevoked')
    })
  })

  describe('routes', () => {
    it('an unknown route is 404 with the envelope', async () => {
      for (const [method, path] of [
        ['GET', '/v1/nope'],
        ['GET', '/nope'],
        ['POST', '/v1'],
        ['GET', `${base}/widgets`],
        ['GET', `${resources}/a/b`],
      ] as const) {
        await rejects(method, path, {}, 404, 'NOT_FOUND')
      }
    })

    it('a path without /v1 is 404 suggesting the same path under /v1; one under /v1 does not', async () => {
      const missed = await rejects('GET', '/spaces/default/resources', {}, 404, 'NOT_FOUND')
      expect(missed.message).toBe(
        "no route for GET /spaces/default/resources: the API is under /v1 (did you mean /v1/spaces/default/resources? set INDENT_API_URL to the server's URL ending in /v1)",
      )
      const wrong = await rejects('GET', '/v1/nope', {}, 404, 'NOT_FOUND')
      expect(wrong.message).toBe('no route for GET /v1/nope')
      // The same path without a bearer token is the dashboard's page: a browser is sent to sign in.
      const browser = await s.call('GET', '/spaces/default/resources', { token: null })
      expect(browser.status).toBe(303)
      expect(browser.headers.get('location')).toMatch(/^\/signin/)
    })

    it('a path that exists answers a method it does not take with 405 and the methods it takes', async () => {
      for (const [method, path, allow] of [
        ['DELETE', '/v1/spaces', 'GET, POST'],
        ['PATCH', resources, 'GET, POST'],
        ['PUT', `${resources}:bulkDelete`, 'POST'],
        ['GET', `/v1/${'a'.repeat(32)}`, 'POST'],
      ] as const) {
        const res = await s.call(method, path)
        await expectError(res, 405, 'METHOD_NOT_ALLOWED')
        expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow)
      }
    })

    it('AIP custom verbs match only their literal: near misses are 404 and write nothing', async () => {
      const body = { resources: [customer(77)] }
      for (const [method, path] of [
        ['PUT', `${base}/resourcesXbulkUpdate`],
        ['POST', `${base}/resourcesXbulkUpdate`],
        ['POST', `${resources}:bulkUpdateX`],
        ['PUT', `${resources}:bulkupdate`],
        ['POST', `${resources}:pullUpdateX`],
        ['POST', `${base}/resources%3AbulkUpdateX`],
        ['POST', `${base}/xresources:bulkUpdate`],
      ] as const) {
        await rejects(method, path, { body }, 404, 'NOT_FOUND')
      }
      // The literal works, so the negatives above are not just a broken route.
      const ok = await s.call('PUT', `${resources}:bulkUpdate`, { body: { resources: [] } })
      expect(ok.status).toBe(200)
    })
  })

  describe('fuzz: malformed bodies, queries and headers across routes', () => {
    const deep = (n: number, open: string, close: string, inner: string) =>
      open.repeat(n) + inner + close.repeat(n)
    const res1 = (extra: Record<string, unknown>) =>
      JSON.stringify({ resource: { kind: 'k', id: 'i', ...extra } })
    interface Case {
      name: string
      method: string
      path: string
      rawBody?: string
      body?: unknown
      headers?: Record<string, string>
    }
    const cases: Case[] = [
      // resources
      {
        name: 'array instead of object',
        method: 'POST',
        path: resources,
        rawBody: '[{"resource":{"kind":"k","id":"i"}}]',
      },
      { name: 'resource is an array', method: 'POST', path: resources, body: { resource: [] } },
      { name: 'resource is null', method: 'POST', path: resources, body: { resource: null } },
      {
        name: 'numbers as kind and id',
        method: 'POST',
        path: resources,
        body: { resource: { kind: 1, id: 2 } },
      },
      { name: 'number as label value', method: 'POST', path: resources, rawBody: res1({ labels: { a: 1 } }) },
      { name: 'labels is a number', method: 'POST', path: resources, rawBody: res1({ labels: 5 }) },
      { name: 'labels is an array', method: 'POST', path: resources, rawBody: res1({ labels: ['a', 'b'] }) },
      { name: 'empty label key', method: 'POST', path: resources, rawBody: res1({ labels: { '': 'x' } }) },
      {
        name: '__proto__ at top level',
        method: 'POST',
        path: resources,
        rawBody: `{"__proto__":{"polluted":"yes"},${res1({}).slice(1)}`,
      },
      {
        name: '__proto__ label with an object value',
        method: 'POST',
        path: resources,
        rawBody: '{"resource":{"kind":"k","id":"i","labels":{"__proto__":{"polluted":"yes"}}}}',
      },
      {
        name: '__proto__ label with a string value',
        method: 'POST',
        path: `${resources}:bulkUpdate`,
        rawBody: '{"resources":[{"kind":"k","id":"i","labels":{"__proto__":"x"}}]}',
      },
      {
        name: 'deep nesting at top level',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: deep(5000, '[', ']', '1'),
      },
      {
        name: 'deep nesting in resources',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: `{"resources":${deep(5000, '[', ']', '')}}`,
      },
      {
        name: 'deep nesting in a label value',
        method: 'POST',
        path: resources,
        rawBody: `{"resource":{"kind":"k","id":"i","labels":{"a":${deep(5000, '{"b":', '}', '1')}}}}`,
      },
      {
        name: 'huge kind under the body limit',
        method: 'POST',
        path: resources,
        rawBody: res1({ kind: 'k'.repeat(1_000_000) }),
      },
      {
        name: 'huge label key',
        method: 'POST',
        path: resources,
        rawBody: res1({ labels: { ['ключ'.repeat(100)]: 'v' } }),
      },
      {
        name: 'null byte in kind',
        method: 'POST',
        path: resources,
        rawBody: '{"resource":{"kind":"k\\u0000","id":"i"}}',
      },
      {
        name: 'null byte in a label value',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: '{"resources":[{"kind":"k","id":"i","labels":{"a":"\\u0000"}}]}',
      },
      {
        name: 'null byte in a label key',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: '{"resources":[{"kind":"k","id":"i","labels":{"a\\u0000":"b"}}]}',
      },
      {
        name: 'raw NUL byte in the JSON text',
        method: 'POST',
        path: resources,
        rawBody: '{"resource":{"kind":"k\u0000","id":"i"}}',
      },
      {
        name: 'lone surrogate in a label value',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: '{"resources":[{"kind":"k","id":"i","labels":{"a":"\\ud800"}}]}',
      },
      {
        name: 'lone surrogate in an id',
        method: 'POST',
        path: resources,
        rawBody: '{"resource":{"kind":"k","id":"\\udfff"}}',
      },
      { name: 'null byte in a resource name path', method: 'GET', path: `${resources}/%00` },
      {
        name: 'null byte in a label selector value',
        method: 'GET',
        path: `${resources}?labelSelector=plan%3D%00`,
      },
      { name: 'null byte in kind filter', method: 'GET', path: `${resources}?kind=%00` },
      { name: 'resource name too long', method: 'DELETE', path: `${resources}/${'n'.repeat(65)}` },
      {
        name: 'bulkDelete with numbers',
        method: 'POST',
        path: `${resources}:bulkDelete`,
        body: { resourceNames: [1, 2] },
      },
      { name: 'kind filter too long', method: 'GET', path: `${resources}?kind=${'k'.repeat(257)}` },
      // tokens and service accounts
      { name: 'token body is a string', method: 'POST', path: `${base}/tokens`, rawBody: '"bootstrap"' },
      {
        name: 'token for an unknown service account',
        method: 'POST',
        path: `${base}/tokens`,
        body: { serviceAccount: 'nobody' },
      },
      {
        name: 'token with expiryDays 0',
        method: 'POST',
        path: `${base}/tokens`,
        body: { serviceAccount: 'bootstrap', expiryDays: 0 },
      },
      {
        name: 'token with fractional expiryDays',
        method: 'POST',
        path: `${base}/tokens`,
        body: { serviceAccount: 'bootstrap', expiryDays: 1.5 },
      },
      {
        name: 'service account with no roles',
        method: 'POST',
        path: `${base}/serviceAccounts`,
        body: { name: 'x', roles: [] },
      },
      {
        name: 'service account with an unknown role',
        method: 'POST',
        path: `${base}/serviceAccounts`,
        body: { name: 'x', roles: ['root'] },
      },
      {
        name: 'service account name with unicode',
        method: 'POST',
        path: `${base}/serviceAccounts`,
        body: { name: 'bøt-🙂', roles: ['viewer'] },
      },
      {
        name: 'service account name with a null byte',
        method: 'POST',
        path: `${base}/serviceAccounts`,
        rawBody: '{"name":"a\\u0000b","roles":["viewer"]}',
      },
      { name: 'revoke an unknown token with a null byte', method: 'DELETE', path: `${base}/tokens/tok_%00` },
      {
        name: 'Idempotency-Key too long',
        method: 'POST',
        path: `${base}/tokens`,
        body: { serviceAccount: 'bootstrap' },
        headers: { 'idempotency-key': 'k'.repeat(256) },
      },
      // spaces and members
      { name: 'space patch with a null space', method: 'PATCH', path: base, body: { space: null } },
      {
        name: 'space patch with a long displayName',
        method: 'PATCH',
        path: base,
        body: { space: { displayName: 'd'.repeat(257) } },
      },
      {
        name: 'create space with an invalid name',
        method: 'POST',
        path: '/v1/spaces',
        body: { space: { name: 'Not_A_Name' } },
      },
      { name: 'null byte in a space name', method: 'GET', path: '/v1/spaces/%00/resources' },
      { name: 'space name too long', method: 'GET', path: `/v1/spaces/${'s'.repeat(300)}` },
      {
        name: 'member email without @',
        method: 'PUT',
        path: `${base}/members/not-an-email`,
        body: { member: { roles: ['viewer'] } },
      },
      {
        name: 'member email with a null byte',
        method: 'PUT',
        path: `${base}/members/a%00b@example.com`,
        body: { member: { roles: ['viewer'] } },
      },
      {
        name: 'member email with unicode spaces',
        method: 'PUT',
        path: `${base}/members/${encodeURIComponent('a\u2003b@exämple.com')}`,
        body: { member: { roles: ['viewer'] } },
      },
      {
        name: 'member with an unknown role',
        method: 'PUT',
        path: `${base}/members/ok@example.com`,
        body: { member: { roles: ['owner'] } },
      },
      {
        name: 'member roles repeated past the limit',
        method: 'PUT',
        path: `${base}/members/ok@example.com`,
        body: { member: { roles: ['viewer', 'viewer', 'viewer', 'viewer'] } },
      },
      {
        name: 'delete a member who is not one',
        method: 'DELETE',
        path: `${base}/members/nobody@example.com`,
      },
      // headers
      {
        name: 'text/plain body',
        method: 'PUT',
        path: `${resources}:bulkUpdate`,
        rawBody: '{"resources":[]}',
        headers: { 'content-type': 'text/plain' },
      },
      {
        name: 'JSON body with an XML Content-Type',
        method: 'PUT',
        path: `${base}/members/ok@example.com`,
        rawBody: '{"member":{"roles":["viewer"]}}',
        headers: { 'content-type': 'application/xml' },
      },
      {
        name: 'Basic authorization',
        method: 'GET',
        path: resources,
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      },
      {
        name: 'sign-in with a wrong grantType',
        method: 'POST',
        path: '/v1/auth/token',
        body: { grantType: 'password', code: 'x' },
      },
      {
        name: 'sign-in with a code full of unicode',
        method: 'POST',
        path: '/v1/auth/token',
        body: { grantType: 'signInCode', code: '🙂'.repeat(64) },
      },
      // durations: whole milliseconds on both engines (PostgreSQL stores them as bigint)
      ...['1ns', '0.5ms', '1.5ms', '1000001ns', '1.0000001s'].map((d) => ({
        name: `petition defaultDuration ${d}`,
        method: 'POST',
        path: `${base}/petitions`,
        body: {
          petition: {
            petitioners: [alice],
            resources: [{ kind: 'customer', id: 'cus_2' }],
            defaultDuration: d,
          },
        },
      })),
      ...['1ns', '1.5ms'].map((d) => ({
        name: `approval check duration ${d}`,
        method: 'POST',
        path: `${base}/approvals:check`,
        body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'cus_2' }], duration: d },
      })),
      ...['1ns', '1.5ms', '0.5ms', '1h0.5ms'].map((d) => ({
        name: `claim duration label ${d}`,
        method: 'POST',
        path: `${base}/petitions/{petition}/claims`,
        body: { claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': d } } } },
      })),
      {
        name: "claim duration past Go's limit (about 292 years)",
        method: 'POST',
        path: `${base}/petitions/{petition}/claims`,
        body: {
          claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '9999999h' } } },
        },
      },
      ...['1ns', '0.5ms'].map((d) => ({
        name: `approval rule maxDuration ${d}`,
        method: 'POST',
        path: `${base}/approvalRules`,
        body: { name: 'fine', rule: { approvers: { role: 'editor' }, defaultDuration: d, maxDuration: d } },
      })),
    ]

    it.each(cases)('$name → 4xx with the envelope, nothing changed', async (c) => {
      const opts: CallOptions = { headers: c.headers ?? {} }
      if (c.rawBody !== undefined) opts.rawBody = c.rawBody
      if (c.body !== undefined) opts.body = c.body
      if (c.headers?.authorization) opts.token = null
      const path = c.path.replace('{petition}', petition)
      const res = await s.call(c.method, path, opts)
      expect(res.status, `${c.method} ${path.slice(0, 80)}`).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      await expectEnvelope(res)
      expect(await spaceState(s)).toEqual(before)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  })
})

describe.each(ENGINES)('body size limit on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine, { maxBodyBytes: 4096, maxBulkBodyBytes: 4096 })
  })
  afterAll(() => s.close())

  it('a body over maxBodyBytes is 413 PAYLOAD_TOO_LARGE and writes nothing', async () => {
    const before = await spaceState(s)
    const big = {
      resources: Array.from({ length: 100 }, (_, i) => ({
        kind: 'customer',
        id: `cus_${i}`,
        displayName: 'x'.repeat(40),
      })),
    }
    expect(JSON.stringify(big).length).toBeGreaterThan(4096)
    for (const method of ['PUT', 'POST']) {
      await expectError(
        await s.call(method, '/v1/spaces/default/resources:bulkUpdate', { body: big }),
        413,
        'PAYLOAD_TOO_LARGE',
      )
    }
    // Also when the sender does not announce the length (a stream): the limit is counted, not trusted.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(big)))
        controller.close()
      },
    })
    const streamed = await s.app.request('/v1/spaces/default/resources:bulkUpdate', {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.boot.token}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    await expectError(streamed, 413, 'PAYLOAD_TOO_LARGE')
    // An announced Content-Length over the limit is refused before the body is read.
    const announced = await s.call('PUT', '/v1/spaces/default/resources:bulkUpdate', {
      body: big,
      headers: { 'content-length': String(Buffer.byteLength(JSON.stringify(big))) },
    })
    await expectError(announced, 413, 'PAYLOAD_TOO_LARGE')
    expect(await spaceState(s)).toEqual(before)
    // Under the limit still works.
    const ok = await s.call('PUT', '/v1/spaces/default/resources:bulkUpdate', {
      body: { resources: big.resources.slice(0, 10) },
    })
    expect(ok.status).toBe(200)
  })
})
