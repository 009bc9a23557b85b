import { createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import IndentAPIDefault, {
  APIConnectionError,
  CLIENT_OPTIONS,
  type ClientOptions,
  DEFAULT_BASE_URL,
  IndentAPI,
  IndentConfigError,
  IndentError,
  NotFoundError,
  VERSION,
} from '../src/index.js'
import { json, type Peer, startPeer } from './peer.js'

const ENV_KEYS = ['INDENT_API_TOKEN', 'INDENT_SPACE', 'INDENT_API_URL'] as const

let peer: Peer
beforeAll(async () => {
  peer = await startPeer((req, res) => json(res, 200, { echo: req.url }))
})
afterAll(() => peer.close())
beforeEach(() => {
  peer.requests.length = 0
})

describe('environment defaults', () => {
  const saved: Record<string, string | undefined> = {}
  beforeEach(() => {
    for (const key of ENV_KEYS) {
      saved[key] = process.env[key]
      delete process.env[key]
    }
  })
  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key]
      else process.env[key] = saved[key]
    }
  })

  test('reads token, space and URL from the environment when options are missing', async () => {
    process.env.INDENT_API_TOKEN = 'env-token'
    process.env.INDENT_SPACE = 'env-space'
    process.env.INDENT_API_URL = `${peer.baseURL}/`
    const client = new IndentAPI()
    expect(client.apiToken).toBe('env-token')
    expect(client.spaceName).toBe('env-space')
    expect(client.baseURL).toBe(peer.baseURL)

    await client.resource.list()
    expect(peer.requests[0]?.url).toBe('/v1/spaces/env-space/resources')
    expect(peer.requests[0]?.headers.authorization).toBe('Bearer env-token')
  })

  test('options win over the environment, and spaceName null ignores INDENT_SPACE', () => {
    process.env.INDENT_API_TOKEN = 'env-token'
    process.env.INDENT_SPACE = 'env-space'
    const client = new IndentAPI({
      apiToken: 'opt-token',
      spaceName: null,
      baseURL: 'http://example.test/v1',
    })
    expect(client.apiToken).toBe('opt-token')
    expect(client.spaceName).toBeNull()
    expect(client.baseURL).toBe('http://example.test/v1')
  })

  test('defaults to the local server URL, no space, 10 min timeout and 2 retries', () => {
    process.env.INDENT_API_TOKEN = 'env-token'
    process.env.INDENT_SPACE = '  '
    const client = new IndentAPI()
    expect(client.baseURL).toBe(DEFAULT_BASE_URL)
    expect(DEFAULT_BASE_URL).toBe('http://localhost:4100/v1')
    expect(client.spaceName).toBeNull()
    expect(client.timeout).toBe(600_000)
    expect(client.maxRetries).toBe(2)
  })

  test('a missing token throws IndentError naming the variable', () => {
    expect(() => new IndentAPI()).toThrow(IndentError)
    expect(() => new IndentAPI()).toThrow(/INDENT_API_TOKEN/)
    expect(() => new IndentAPI({ apiToken: '' })).toThrow(IndentError)
  })
})

describe('headers', () => {
  test('every request carries JSON, user agent, auth, space and language headers', async () => {
    const client = new IndentAPI({ apiToken: 'tok_abc', spaceName: 'acme', baseURL: peer.baseURL })
    await client.resource.get({ resourceName: 'e843ad66' })
    const headers = peer.requests[0]?.headers
    expect(headers?.accept).toBe('application/json')
    expect(headers?.['content-type']).toBe('application/json')
    expect(headers?.['user-agent']).toBe(`OpenIndentAPI/JS ${VERSION}`)
    expect(headers?.authorization).toBe('Bearer tok_abc')
    expect(headers?.['indent-space']).toBe('acme')
    expect(headers?.['x-indent-lang']).toBe('js')
    expect(headers?.['idempotency-key']).toBeUndefined()
  })

  test('Indent-Space follows a per-call spaceName and is absent for unscoped calls without a client space', async () => {
    const client = new IndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL })
    await client.resource.list({ spaceName: 'staging' })
    expect(peer.requests[0]?.url).toBe('/v1/spaces/staging/resources')
    expect(peer.requests[0]?.headers['indent-space']).toBe('staging')

    const unscoped = new IndentAPI({ apiToken: 'tok', spaceName: null, baseURL: peer.baseURL })
    await unscoped.request({ method: 'GET', path: '/spaces' })
    expect(peer.requests[1]?.headers['indent-space']).toBeUndefined()
  })

  test('defaultHeaders and defaultQuery apply to every request; per-call headers win; null removes', async () => {
    const client = new IndentAPI({
      apiToken: 'tok',
      spaceName: 'acme',
      baseURL: peer.baseURL,
      defaultHeaders: { 'X-Team': 'support', 'X-Indent-Lang': null },
      defaultQuery: { trace: 'on' },
    })
    await client.resource.list({ pageSize: 5 }, { headers: { 'X-Team': 'billing', 'X-Extra': '1' } })
    const [request] = peer.requests
    expect(request?.url).toBe('/v1/spaces/acme/resources?trace=on&pageSize=5')
    expect(request?.headers['x-team']).toBe('billing')
    expect(request?.headers['x-extra']).toBe('1')
    expect(request?.headers['x-indent-lang']).toBeUndefined()
  })

  test('uses the fetch given in the options', async () => {
    const urls: string[] = []
    const client = new IndentAPI({
      apiToken: 'tok',
      spaceName: 'acme',
      baseURL: peer.baseURL,
      fetch: (input, init) => {
        urls.push(String(input))
        return fetch(input, init)
      },
    })
    await client.resource.list()
    expect(urls).toEqual([`${peer.baseURL}/spaces/acme/resources`])
  })
})

describe('construction', () => {
  test('refuses to run in a browser-like environment unless dangerouslyAllowBrowser', () => {
    const scope = globalThis as { window?: unknown }
    scope.window = { document: {} }
    try {
      expect(() => new IndentAPI({ apiToken: 'tok' })).toThrow(IndentError)
      expect(() => new IndentAPI({ apiToken: 'tok' })).toThrow(/browser/)
      expect(new IndentAPI({ apiToken: 'tok', dangerouslyAllowBrowser: true }).apiToken).toBe('tok')
    } finally {
      delete scope.window
    }
    expect(new IndentAPI({ apiToken: 'tok' }).apiToken).toBe('tok')
  })

  test('rejects invalid timeout and maxRetries, at construction and per call', async () => {
    expect(() => new IndentAPI({ apiToken: 'tok', timeout: 0 })).toThrow(IndentError)
    expect(() => new IndentAPI({ apiToken: 'tok', timeout: 2 ** 31 })).toThrow(IndentError)
    expect(() => new IndentAPI({ apiToken: 'tok', maxRetries: -1 })).toThrow(IndentError)
    expect(() => new IndentAPI({ apiToken: 'tok', maxRetries: 1.5 })).toThrow(IndentError)
    const client = new IndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL })
    await expect(client.resource.list({}, { maxRetries: -1 })).rejects.toBeInstanceOf(IndentError)
    expect(peer.requests).toHaveLength(0)
  })

  test('refuses an option it does not know instead of falling back to the environment', async () => {
    process.env.INDENT_API_TOKEN = 'env-token'
    try {
      const misspelt = { token: 'mine', baseURL: peer.baseURL } as unknown as ClientOptions
      const err = (() => {
        try {
          new IndentAPI(misspelt)
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(IndentConfigError)
      expect((err as IndentConfigError).option).toBe('token')
      expect((err as Error).message).toMatch(/Unknown option `token`.*did you mean `apiToken`\?/)
      expect(() => new IndentAPI({ bogus: 1 } as unknown as ClientOptions)).toThrow(/Options: apiToken, /)
      // Every documented option is accepted.
      expect(Object.keys(CLIENT_OPTIONS)).toContain('dangerouslyAllowBrowser')
      expect(new IndentAPI({ apiToken: 'tok', spaceName: null, baseURL: peer.baseURL }).apiToken).toBe('tok')
      expect(peer.requests).toHaveLength(0)
    } finally {
      delete process.env.INDENT_API_TOKEN
    }
  })

  test('a missing token or space, or a URL that is not one, is an IndentConfigError naming the setting', async () => {
    delete process.env.INDENT_API_TOKEN
    expect(() => new IndentAPI()).toThrow(IndentConfigError)
    expect(() => new IndentAPI()).toThrow(/INDENT_API_TOKEN/)
    expect(() => new IndentAPI()).not.toThrow(/dashboard/)
    expect(() => new IndentAPI({ apiToken: 'tok', baseURL: 'localhost:4100/v1' })).toThrow(/INDENT_API_URL/)
    const client = new IndentAPI({ apiToken: 'tok', spaceName: null, baseURL: peer.baseURL })
    const err = await client.resource.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IndentConfigError)
    expect((err as IndentConfigError).option).toBe('spaceName')
  })

  test('a server that is down is reported with the URL tried and the number of attempts', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const client = new IndentAPI({
      apiToken: 'tok',
      spaceName: 'acme',
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxRetries: 1,
    })
    const err = await client.resource.list({ pageSize: 5 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(APIConnectionError)
    expect((err as Error).message).toBe(
      `Connection error: could not reach http://127.0.0.1:${port}/v1/spaces/acme/resources (ECONNREFUSED) after 2 attempts; is the server running, and is INDENT_API_URL (baseURL) right?`,
    )
  })

  test('exposes the error classes as statics and IndentAPI as the default export', () => {
    expect(IndentAPIDefault).toBe(IndentAPI)
    expect(IndentAPI.NotFoundError).toBe(NotFoundError)
    expect(IndentAPI.IndentError).toBe(IndentError)
  })
})

describe('request core', () => {
  test('sends any method and path with a JSON body and resolves with the parsed response', async () => {
    const client = new IndentAPI({ apiToken: 'tok', baseURL: peer.baseURL })
    const result = await client.request<{ echo: string }>({
      method: 'PATCH',
      path: '/spaces/acme',
      query: { updateMask: 'displayName', skip: undefined, empty: null },
      body: { space: { displayName: 'Acme' } },
    })
    expect(result).toEqual({ echo: '/v1/spaces/acme?updateMask=displayName&empty=' })
    expect(peer.requests[0]?.method).toBe('PATCH')
    expect(peer.requests[0]?.body).toEqual({ space: { displayName: 'Acme' } })
  })

  test('resolves undefined for an empty 204 response', async () => {
    const empty = await startPeer((_req, res) => {
      res.writeHead(204)
      res.end()
    })
    try {
      const client = new IndentAPI({ apiToken: 'tok', baseURL: empty.baseURL })
      await expect(client.request({ method: 'DELETE', path: '/x' })).resolves.toBeUndefined()
    } finally {
      await empty.close()
    }
  })
})
