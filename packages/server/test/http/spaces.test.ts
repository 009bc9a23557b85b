import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSignInCode } from '../../src/domain/auth/sign-in.js'
import { createSpace } from '../../src/domain/spaces/spaces.js'
import { apiRoutes } from '../../src/http/app.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, auditEvents, expectError, spaceId, userToken } from './support.js'

interface WireSpace {
  name: string
  displayName?: string
  meta: { name?: string; displayName?: string; createTime?: string; updateTime?: string }
}
interface WireMember {
  kind: string
  id: string
  email?: string
  displayName?: string
  roles: string[]
}

describe.each(ENGINES)('spaces, members and sign-in on %s', (engine) => {
  let s: TestServer

  beforeAll(async () => {
    s = await startTestServer(engine)
    // A second space the bootstrap service account has nothing to do with, made at the store level.
    await createSpace(s.rt, { type: 'system', name: 'test' }, { kind: 'test', id: 'test' }, { name: 'other' })
  })
  afterAll(() => s.close())

  async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }

  describe('spaces', () => {
    it('GET /v1/spaces shows a service account only its own space', async () => {
      const { spaces, nextPageToken } = await json<{ spaces: WireSpace[]; nextPageToken?: string }>(
        s.call('GET', '/v1/spaces'),
      )
      expect(spaces.map((x) => x.name)).toEqual(['default'])
      expect(nextPageToken).toBeUndefined()
      // The admin sees both, and pages through them.
      const admin = await adminToken(s)
      const first = await json<{ spaces: WireSpace[]; nextPageToken?: string }>(
        s.call('GET', '/v1/spaces?pageSize=1', { token: admin }),
      )
      expect(first.spaces.map((x) => x.name)).toEqual(['default'])
      expect(first.nextPageToken).toBeDefined()
      const second = await json<{ spaces: WireSpace[]; nextPageToken?: string }>(
        s.call('GET', `/v1/spaces?pageSize=1&pageToken=${first.nextPageToken}`, { token: admin }),
      )
      expect(second.spaces.map((x) => x.name)).toEqual(['other'])
      expect(second.nextPageToken).toBeUndefined()
    })

    it('GET and PATCH /v1/spaces/default', async () => {
      const got = await json<WireSpace>(s.call('GET', '/v1/spaces/default'))
      expect(got).toMatchObject({ name: 'default', meta: { name: 'default' } })
      expect(got.displayName).toBeUndefined()
      const created = got.meta.createTime

      s.clock.advance(60_000)
      const patched = await json<WireSpace>(
        s.call('PATCH', '/v1/spaces/default', { body: { space: { displayName: 'Acme Corp' } } }),
      )
      expect(patched).toMatchObject({
        name: 'default',
        displayName: 'Acme Corp',
        meta: { displayName: 'Acme Corp', createTime: created },
      })
      expect(Date.parse(patched.meta.updateTime ?? '')).toBe(s.clock.now())
      expect(await json<WireSpace>(s.call('GET', '/v1/spaces/default'))).toEqual(patched)
      const listed = await json<{ spaces: WireSpace[] }>(s.call('GET', '/v1/spaces'))
      expect(listed.spaces[0]?.displayName).toBe('Acme Corp')

      // A patch that leaves displayName out leaves it alone.
      s.clock.advance(1000)
      const untouched = await json<WireSpace>(s.call('PATCH', '/v1/spaces/default', { body: { space: {} } }))
      expect(untouched.displayName).toBe('Acme Corp')
      expect((await json<WireSpace>(s.call('GET', '/v1/spaces/default'))).displayName).toBe('Acme Corp')

      const events = await auditEvents(s)
      expect(events.at(-1)).toMatchObject({
        event: 'space/update',
        actor: { kind: 'openindent.v1.ServiceAccount', id: 'bootstrap' },
        resources: [{ kind: 'openindent.v1.Space', id: 'default' }],
      })
    })

    it('an admin deletes a space: it is gone, its audit log is kept', async () => {
      const admin = await adminToken(s)
      await json(
        s.call('POST', '/v1/spaces', { token: admin, body: { space: { name: 'short-lived' } } }),
        201,
      )
      await json(
        s.call('PUT', '/v1/spaces/short-lived/resources:bulkUpdate', {
          token: admin,
          body: { resources: [{ kind: 'k', id: '1' }] },
        }),
      )
      const id = await spaceId(s, 'short-lived')
      const head = await s.rt.store.audit.head(id)
      expect(head?.seq).toBe(2)
      const deleted = await json<WireSpace>(s.call('DELETE', '/v1/spaces/short-lived', { token: admin }))
      expect(deleted.name).toBe('short-lived')
      await expectError(await s.call('GET', '/v1/spaces/short-lived', { token: admin }), 404, 'NOT_FOUND')
      await expectError(await s.call('DELETE', '/v1/spaces/short-lived', { token: admin }), 404, 'NOT_FOUND')
      // The log is kept, ending with the deletion (the instance log records it too).
      expect((await s.rt.store.audit.head(id))?.seq).toBe(3)
      const [last] = await s.rt.store.audit.list(id, {}, { ascending: false, limit: 1 })
      expect(last?.event).toBe('space/delete')
      // The name can be used again, as a new space with a fresh log.
      await json(
        s.call('POST', '/v1/spaces', { token: admin, body: { space: { name: 'short-lived' } } }),
        201,
      )
      const again = await json<{ resources: unknown[] }>(
        s.call('GET', '/v1/spaces/short-lived/resources', { token: admin }),
      )
      expect(again.resources).toEqual([])
      await expectError(
        await s.call('POST', '/v1/spaces', { token: admin, body: { space: { name: 'short-lived' } } }),
        409,
        'ALREADY_EXISTS',
      )
    })
  })

  describe('members', () => {
    const members = async () =>
      (await json<{ members: WireMember[] }>(s.call('GET', '/v1/spaces/default/members'))).members

    it('PUT adds a user with roles, GET lists them, PUT again changes the roles, DELETE removes them', async () => {
      const added = await json<WireMember>(
        s.call('PUT', '/v1/spaces/default/members/erin@example.com', {
          body: { member: { roles: ['viewer', 'petitionAdmin'], displayName: 'Erin' } },
        }),
      )
      expect(added).toMatchObject({
        kind: 'user',
        id: 'erin@example.com',
        email: 'erin@example.com',
        displayName: 'Erin',
      })
      // Roles are a set: the response shows them as stored, the same as a later read.
      expect([...added.roles].sort()).toEqual(['petitionAdmin', 'viewer'])
      const listed = await members()
      expect(listed.map((m) => [m.email, m.roles])).toEqual([
        ['admin@example.com', ['editor']],
        ['erin@example.com', added.roles],
      ])
      expect(listed[1]).toMatchObject(added)

      // The roles are real: erin can read but not configure.
      const erin = await userToken(s, 'erin@example.com')
      expect((await s.call('GET', '/v1/spaces/default/resources', { token: erin })).status).toBe(200)
      await expectError(
        await s.call('PUT', '/v1/spaces/default/members/erin@example.com', {
          token: erin,
          body: { member: { roles: ['editor'] } },
        }),
        403,
        'PERMISSION_DENIED',
      )

      // Emails are case-insensitive: this is the same member, now an editor.
      const changed = await json<WireMember>(
        s.call('PUT', '/v1/spaces/default/members/Erin@Example.COM', {
          body: { member: { roles: ['editor'] } },
        }),
      )
      expect(changed).toMatchObject({ id: 'erin@example.com', roles: ['editor'] })
      const twice = await json<WireMember>(
        s.call('PUT', '/v1/spaces/default/members/erin@example.com', {
          body: { member: { roles: ['editor', 'editor'] } },
        }),
      )
      expect(twice.roles).toEqual(['editor'])
      expect((await members()).filter((m) => m.email === 'erin@example.com').map((m) => m.roles)).toEqual([
        ['editor'],
      ])
      expect(
        (
          await s.call('PUT', '/v1/spaces/default/members/erin@example.com', {
            token: erin,
            body: { member: { roles: ['editor'] } },
          })
        ).status,
      ).toBe(200)

      expect(await json(s.call('DELETE', '/v1/spaces/default/members/erin@example.com'))).toEqual({})
      expect((await members()).map((m) => m.email)).toEqual(['admin@example.com'])
      await expectError(
        await s.call('DELETE', '/v1/spaces/default/members/erin@example.com'),
        404,
        'NOT_FOUND',
      )
      // Removed: erin's still-valid token no longer opens the space.
      await expectError(
        await s.call('GET', '/v1/spaces/default/resources', { token: erin }),
        404,
        'NOT_FOUND',
      )

      const events = (await auditEvents(s)).filter((e) => e.event.startsWith('member/'))
      expect(
        events.map((e) => [e.event, e.resources?.[0]?.id, e.meta?.labels?.['openindent.dev/roles']]),
      ).toEqual([
        ['member/update', 'erin@example.com', added.roles.join(',')],
        ['member/update', 'erin@example.com', 'editor'],
        ['member/update', 'erin@example.com', 'editor'],
        ['member/update', 'erin@example.com', 'editor'],
        ['member/delete', 'erin@example.com', undefined],
      ])
    })

    it('a bad email is 400 and adds no one', async () => {
      const before = await members()
      for (const email of [
        'not-an-email',
        'two@@example.com',
        'a b@example.com',
        '@example.com',
        'someone@',
        `${'x'.repeat(320)}@e.com`,
      ]) {
        const res = await s.call('PUT', `/v1/spaces/default/members/${encodeURIComponent(email)}`, {
          body: { member: { roles: ['viewer'] } },
        })
        await expectError(res, 400, 'INVALID_ARGUMENT', 'email')
      }
      await expectError(
        await s.call('DELETE', '/v1/spaces/default/members/not-an-email'),
        400,
        'INVALID_ARGUMENT',
        'email',
      )
      await expectError(
        await s.call('PUT', '/v1/spaces/default/members/ok@example.com', { body: { member: { roles: [] } } }),
        400,
        'INVALID_ARGUMENT',
        'member.roles',
      )
      expect(await members()).toEqual(before)
      expect(await s.rt.store.principals.userByEmail('ok@example.com')).toBeUndefined()
    })
  })

  describe('sign-in', () => {
    it('GET /v1/auth/keys is a JWKS with one public EC key and no private part', async () => {
      const res = await s.call('GET', '/v1/auth/keys', { token: null })
      expect(res.status).toBe(200)
      const jwks = (await res.json()) as { keys: Record<string, unknown>[] }
      expect(jwks.keys).toHaveLength(1)
      const [key] = jwks.keys
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(typeof key?.kid).toBe('string')
      expect(typeof key?.x).toBe('string')
      expect(typeof key?.y).toBe('string')
      expect(key).not.toHaveProperty('d')
      expect(JSON.stringify(jwks)).not.toMatch(/"d"\s*:/)
    })

    it('POST /v1/auth/token trades the sign-in code once for a JWT of the admin that works as a bearer', async () => {
      const body = { grantType: 'signInCode', code: s.boot.signInCode }
      const res = await s.call('POST', '/v1/auth/token', { token: null, body })
      expect(res.status).toBe(200)
      const out = (await res.json()) as { accessToken: string; tokenType: string; expiresIn: number }
      expect(out.tokenType).toBe('Bearer')
      expect(out.expiresIn).toBe(3600)

      const claims = decodeJwt(out.accessToken)
      expect(claims.sub).toBe(s.boot.adminEmail)
      // Issued by and for this instance: its public URL (by default http://localhost:<port>).
      expect(claims.iss).toBe(s.rt.config.publicUrl)
      expect(claims.aud).toBe(s.rt.config.publicUrl)
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600)
      expect(claims.iat).toBe(Math.floor(s.clock.now() / 1000))

      // The published keys verify it.
      const jwks = (await (await s.call('GET', '/v1/auth/keys', { token: null })).json()) as {
        keys: object[]
      }
      const verified = await jwtVerify(out.accessToken, createLocalJWKSet(jwks as { keys: [] }), {
        currentDate: new Date(s.clock.now()),
      })
      expect(verified.payload.sub).toBe(s.boot.adminEmail)

      // It acts as the admin: every space, and space creation.
      const spaces = await json<{ spaces: WireSpace[] }>(
        s.call('GET', '/v1/spaces', { token: out.accessToken }),
      )
      expect(spaces.spaces.map((x) => x.name)).toEqual(expect.arrayContaining(['default', 'other']))
      await json(
        s.call('POST', '/v1/spaces', { token: out.accessToken, body: { space: { name: 'by-admin' } } }),
        201,
      )

      // The sign-in is in the audit log of the admin's space.
      const signIns = (await auditEvents(s)).filter((e) => e.event === 'auth/signIn')
      expect(signIns.map((e) => e.actor?.email)).toEqual([s.boot.adminEmail])

      // The code is spent.
      await expectError(await s.call('POST', '/v1/auth/token', { token: null, body }), 401, 'UNAUTHENTICATED')
    })

    it('a sign-in code expires after a day; unknown codes and wrong grant types are refused', async () => {
      const admin = await s.rt.store.principals.userByEmail(s.boot.adminEmail)
      const fresh = await createSignInCode(s.rt, admin?.id ?? '')
      const stale = await createSignInCode(s.rt, admin?.id ?? '')
      expect(
        (
          await s.call('POST', '/v1/auth/token', {
            token: null,
            body: { grantType: 'signInCode', code: fresh },
          })
        ).status,
      ).toBe(200)
      s.clock.advance(24 * 3600_000)
      await expectError(
        await s.call('POST', '/v1/auth/token', {
          token: null,
          body: { grantType: 'signInCode', code: stale },
        }),
        401,
        'UNAUTHENTICATED',
      )
      await expectError(
        await s.call('POST', '/v1/auth/token', {
          token: null,
          body: { grantType: 'signInCode', code: 'oi_signin_nope' },
        }),
        401,
        'UNAUTHENTICATED',
      )
      await expectError(
        await s.call('POST', '/v1/auth/token', { token: null, body: { grantType: 'password', code: fresh } }),
        400,
        'INVALID_ARGUMENT',
        'grantType',
      )
    })
  })

  describe('service endpoints', () => {
    it('/healthz and /readyz answer 200 without a token', async () => {
      const health = await s.call('GET', '/healthz', { token: null })
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      const ready = await s.call('GET', '/readyz', { token: null })
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({ status: 'ready' })
    })

    it('GET /v1/openapi.json is OpenAPI 3.1 with an operation for every API route', async () => {
      const res = await s.call('GET', '/v1/openapi.json', { token: null })
      expect(res.status).toBe(200)
      const doc = (await res.json()) as {
        openapi: string
        paths: Record<
          string,
          Record<
            string,
            {
              operationId: string
              requestBody?: unknown
              responses: Record<string, unknown>
              security?: unknown
            }
          >
        >
      }
      expect(doc.openapi).toMatch(/^3\.1\./)
      expect(apiRoutes.length).toBeGreaterThan(0)
      const ids = new Set<string>()
      for (const r of apiRoutes) {
        const op = doc.paths[r.path]?.[r.method]
        expect(op, `${r.method} ${r.path}`).toBeDefined()
        ids.add(op?.operationId ?? '')
        expect(op?.responses).toHaveProperty(String(r.status ?? 200))
        expect(op?.responses).toHaveProperty('default')
        expect(op?.requestBody !== undefined, `${r.method} ${r.path} requestBody`).toBe(r.body !== undefined)
        expect(op?.security !== undefined, `${r.method} ${r.path} security`).toBe(r.auth !== 'none')
      }
      expect(ids.size).toBe(apiRoutes.length)
      const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
      // Beyond the JSON routes: the watch stream and Slack's callback, described by hand.
      expect(operations).toBe(apiRoutes.length + 2)
      const watch = doc.paths['/v1/spaces/{space}/approvals:watch']?.get
      expect(watch?.security).toBeDefined()
      expect(watch?.responses['200']).toHaveProperty(['content', 'text/event-stream'])
      const slack = doc.paths['/slack/interactivity']?.post
      expect(slack?.security).toBeUndefined()
      expect(slack?.requestBody).toHaveProperty(['content', 'application/x-www-form-urlencoded'])
      // Both are really answered: the stream wants a token, Slack's callback says it is not set up here.
      expect((await s.call('GET', '/v1/spaces/default/approvals:watch', { token: null })).status).toBe(401)
      const unconfigured = await s.call('POST', '/slack/interactivity', { token: null, body: {} })
      expect(((await unconfigured.json()) as { error: { message: string } }).error.message).toMatch(
        /Slack is not configured/,
      )
      expect(Object.keys(doc.paths['/v1/spaces/{space}/resources:bulkUpdate'] ?? {}).sort()).toEqual([
        'post',
        'put',
      ])
    })
  })
})
