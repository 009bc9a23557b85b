import { randomBytes } from 'node:crypto'
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiRoutes } from '../../src/http/app.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, expectEnvelope, expectError, spaceState, userToken } from './support.js'

/** What the `{…}` parameters of space routes stand for in one space. */
interface Target {
  space: string
  resource: { name: string; kind: string; id: string }
  email: string
  serviceAccount: string
  token: string
  petition: string
  claim: string
  rule: string
  auditInput: string
  policy: string
  webhook: string
  delivery: string
}

/**
 * A valid request for every route under `/v1/spaces/{space}`: valid, so that what refuses it is the
 * access check and nothing else. A route added without a case here fails `requestsFor`.
 */
const BODIES: Record<string, (t: Target) => unknown> = {
  'get /v1/spaces/{space}': () => undefined,
  'patch /v1/spaces/{space}': () => ({ space: { displayName: 'taken over' } }),
  'delete /v1/spaces/{space}': () => undefined,
  'get /v1/spaces/{space}/members': () => undefined,
  'put /v1/spaces/{space}/members/{email}': () => ({ member: { roles: ['editor'] } }),
  'delete /v1/spaces/{space}/members/{email}': () => undefined,
  'get /v1/spaces/{space}/serviceAccounts': () => undefined,
  'post /v1/spaces/{space}/serviceAccounts': () => ({ name: 'intruder', roles: ['editor'] }),
  'delete /v1/spaces/{space}/serviceAccounts/{serviceAccount}': () => undefined,
  'get /v1/spaces/{space}/tokens': () => undefined,
  'post /v1/spaces/{space}/tokens': (t) => ({ serviceAccount: t.serviceAccount }),
  'delete /v1/spaces/{space}/tokens/{token}': () => undefined,
  'get /v1/spaces/{space}/resources': () => undefined,
  'post /v1/spaces/{space}/resources': () => ({ resource: { kind: 'intruder', id: 'planted' } }),
  'put /v1/spaces/{space}/resources:bulkUpdate': () => ({ resources: [{ kind: 'intruder', id: 'bulk' }] }),
  'post /v1/spaces/{space}/resources:bulkUpdate': () => ({ resources: [{ kind: 'intruder', id: 'bulk' }] }),
  'post /v1/spaces/{space}/resources:bulkDelete': (t) => ({ resourceNames: [t.resource.name] }),
  'get /v1/spaces/{space}/resources/{resource}': () => undefined,
  'put /v1/spaces/{space}/resources/{resource}': (t) => ({
    resource: { kind: t.resource.kind, id: t.resource.id, labels: { owned: 'yes' } },
  }),
  'delete /v1/spaces/{space}/resources/{resource}': () => undefined,
  'get /v1/spaces/{space}/petitions': () => undefined,
  'post /v1/spaces/{space}/petitions': () => ({
    petition: { petitioners: [INTRUDER], resources: [{ kind: 'customer', id: 'planted' }] },
  }),
  'get /v1/spaces/{space}/petitions/{petition}': () => undefined,
  'put /v1/spaces/{space}/petitions/{petition}': () => ({
    petition: { state: { status: { phase: 'closed' } } },
  }),
  'delete /v1/spaces/{space}/petitions/{petition}': () => undefined,
  'post /v1/spaces/{space}/petitions/{petition}:wait': () => ({ wait: 0 }),
  'get /v1/spaces/{space}/petitions/{petition}/claims': () => undefined,
  'get /v1/spaces/{space}/petitions/{petition}/claims/{claim}': () => undefined,
  'post /v1/spaces/{space}/petitions/{petition}/claims': () => ({ claim: { event: 'access/revoke' } }),
  'post /v1/spaces/{space}/approvals:check': () => ({
    petitioners: [INTRUDER],
    resources: [{ kind: 'customer', id: 'planted' }],
  }),
  'get /v1/spaces/{space}/approvalRules': () => undefined,
  'post /v1/spaces/{space}/approvalRules': () => ({
    name: 'intruder',
    rule: { approvers: { role: 'viewer' } },
  }),
  'get /v1/spaces/{space}/approvalRules/{rule}': () => undefined,
  'put /v1/spaces/{space}/approvalRules/{rule}': () => ({ rule: { approvers: { role: 'viewer' } } }),
  'delete /v1/spaces/{space}/approvalRules/{rule}': () => undefined,
  'get /v1/spaces/{space}/events': () => undefined,
  'post /v1/spaces/{space}/events:write': () => ({ events: [{ event: 'app/intrusion' }] }),
  'get /v1/spaces/{space}/auditInputs': () => undefined,
  'post /v1/spaces/{space}/auditInputs': () => ({ name: 'intruder' }),
  'delete /v1/spaces/{space}/auditInputs/{auditInput}': () => undefined,
  'get /v1/spaces/{space}/policies': () => undefined,
  'post /v1/spaces/{space}/policies': () => ({ id: 'intruder', text: INTRUDER_POLICY }),
  'get /v1/spaces/{space}/policies:history': () => undefined,
  'put /v1/spaces/{space}/policies:settings': () => ({ timeZone: 'Pacific/Kiritimati' }),
  'post /v1/spaces/{space}/policies:evaluate': () => ({
    petitioners: [INTRUDER],
    resources: [{ kind: 'customer', id: 'planted' }],
  }),
  'get /v1/spaces/{space}/policies/{policy}': () => undefined,
  'put /v1/spaces/{space}/policies/{policy}': () => ({ text: INTRUDER_POLICY }),
  'delete /v1/spaces/{space}/policies/{policy}': () => undefined,
  'get /v1/spaces/{space}/webhooks': () => undefined,
  'post /v1/spaces/{space}/webhooks': () => ({
    webhook: { name: 'intruder', url: 'http://127.0.0.1:9/intruder', handler: { type: 'applyUpdate' } },
  }),
  'get /v1/spaces/{space}/webhooks/{webhook}': () => undefined,
  'patch /v1/spaces/{space}/webhooks/{webhook}': () => ({ webhook: { url: 'http://127.0.0.1:9/intruder' } }),
  'delete /v1/spaces/{space}/webhooks/{webhook}': () => undefined,
  'get /v1/spaces/{space}/webhooks/{webhook}/deliveries': () => undefined,
  'get /v1/spaces/{space}/deliveries': () => undefined,
  'post /v1/spaces/{space}/deliveries/{delivery}:retry': () => ({}),
  'put /v1/spaces/{space}/resources:pullUpdate': () => ({}),
}

/** A policy that would let anyone in: what an intruder would save. */
const INTRUDER_POLICY = 'permit(principal, action, resource);'

const INTRUDER = { kind: 'user', id: 'intruder@example.com', email: 'intruder@example.com' }

/** What a viewer may do in a space; everything else under the space needs more. */
const VIEWER_MAY = new Set([
  'get /v1/spaces/{space}',
  'get /v1/spaces/{space}/members',
  'get /v1/spaces/{space}/resources',
  'get /v1/spaces/{space}/resources/{resource}',
  'get /v1/spaces/{space}/petitions',
  'get /v1/spaces/{space}/approvalRules',
  'get /v1/spaces/{space}/approvalRules/{rule}',
  'get /v1/spaces/{space}/policies',
  'get /v1/spaces/{space}/policies:history',
  'get /v1/spaces/{space}/policies/{policy}',
  // Explains a hypothetical request; it writes nothing.
  'post /v1/spaces/{space}/policies:evaluate',
])

/** A viewer sees only the petitions it asked for (or may review): someone else's does not exist for it. */
const VIEWER_NOT_FOUND = new Set([
  'get /v1/spaces/{space}/petitions/{petition}',
  'post /v1/spaces/{space}/petitions/{petition}:wait',
  'get /v1/spaces/{space}/petitions/{petition}/claims',
  'get /v1/spaces/{space}/petitions/{petition}/claims/{claim}',
])

interface SpaceRequest {
  route: string
  method: string
  path: string
  body: unknown
}

function requestsFor(t: Target): SpaceRequest[] {
  const routes = apiRoutes.filter((r) => r.path.startsWith('/v1/spaces/{space}'))
  expect(routes.length).toBeGreaterThanOrEqual(Object.keys(BODIES).length)
  return routes.map((r) => {
    const route = `${r.method} ${r.path}`
    const body = BODIES[route]
    expect(body, `no case for ${route}: add one to BODIES`).toBeDefined()
    const path = r.path
      .replace('{space}', t.space)
      .replace('{resource}', t.resource.name)
      .replace('{email}', encodeURIComponent(t.email))
      .replace('{serviceAccount}', t.serviceAccount)
      .replace('{token}', t.token)
      .replace('{petition}', t.petition)
      .replace('{claim}', t.claim)
      .replace('{rule}', t.rule)
      .replace('{auditInput}', t.auditInput)
      .replace('{policy}', t.policy)
      .replace('{webhook}', t.webhook)
      .replace('{delivery}', t.delivery)
    expect(path, route).not.toContain('{')
    return { route, method: r.method.toUpperCase(), path, body: body?.(t) }
  })
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe.each(ENGINES)('security on %s', (engine) => {
  let s: TestServer
  let beta: Target
  let home: Target
  let betaToken: string
  let viewerToken: string
  const admin = () => adminToken(s)

  async function created<T>(res: Response | Promise<Response>, status = 201): Promise<T> {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }

  async function newToken(space: string, serviceAccount: string, roles: string[], token?: string) {
    const base = `/v1/spaces/${space}`
    await created(s.call('POST', `${base}/serviceAccounts`, { token, body: { name: serviceAccount, roles } }))
    return created<{ name: string; accessToken: string }>(
      s.call('POST', `${base}/tokens`, { token, body: { serviceAccount } }),
    )
  }

  /**
   * A granted petition (with its approve claim) and a rule: filed and set up by one editor of the
   * space, approved by another (four eyes).
   */
  async function decided(space: string, token: string | undefined, reviewer: string) {
    const base = `/v1/spaces/${space}`
    // A receiver nobody listens on: the grant below queues a delivery to it (the worker is not running).
    await created(
      s.call('POST', `${base}/webhooks`, {
        token,
        body: {
          webhook: { name: 'receiver', url: 'http://127.0.0.1:9/hook', handler: { type: 'applyUpdate' } },
        },
      }),
    )
    const petition = await created<{ name: string }>(
      s.call('POST', `${base}/petitions`, {
        token,
        body: {
          petition: {
            petitioners: [{ kind: 'user', id: 'pat@example.com' }],
            resources: [{ kind: 'customer', id: `${space}_1` }],
          },
        },
      }),
      200,
    )
    const claim = await created<{ id: string }>(
      s.call('POST', `${base}/petitions/${petition.name}/claims`, {
        token: reviewer,
        body: { claim: { event: 'access/approve' } },
      }),
      200,
    )
    await created(
      s.call('POST', `${base}/approvalRules`, {
        token,
        body: { name: 'guarded', rule: { approvers: { role: 'editor' } } },
      }),
    )
    await created(s.call('POST', `${base}/auditInputs`, { token, body: { name: 'browser' } }))
    await created(
      s.call('POST', `${base}/policies`, {
        token,
        body: {
          id: 'guarded-policy',
          text: 'forbid(principal, action, resource) when { context.hour < 6 };',
        },
      }),
    )
    const { deliveries } = await created<{ deliveries: { name: string }[] }>(
      s.call('GET', `${base}/webhooks/receiver/deliveries`, { token }),
      200,
    )
    expect(deliveries.length).toBeGreaterThan(0)
    return {
      petition: petition.name,
      claim: claim.id,
      rule: 'guarded',
      auditInput: 'browser',
      policy: 'guarded-policy',
      webhook: 'receiver',
      delivery: (deliveries[0] as { name: string }).name,
    }
  }

  beforeAll(async () => {
    s = await startTestServer(engine)
    const a = await admin()
    // Space "beta", with something of each kind in it, made by the instance admin.
    await created(
      s.call('POST', '/v1/spaces', { token: a, body: { space: { name: 'beta', displayName: 'Beta' } } }),
    )
    const [betaResource] = (
      await created<{ resources: { name: string; kind: string; id: string }[] }>(
        s.call('PUT', '/v1/spaces/beta/resources:bulkUpdate', {
          token: a,
          body: { resources: [{ kind: 'customer', id: 'beta_1', labels: { plan: 'enterprise' } }] },
        }),
        200,
      )
    ).resources
    const betaTok = await newToken('beta', 'beta-bot', ['editor'], a)
    betaToken = betaTok.accessToken
    await created(
      s.call('PUT', '/v1/spaces/beta/members/bob@example.com', {
        token: a,
        body: { member: { roles: ['viewer'] } },
      }),
      200,
    )
    beta = {
      space: 'beta',
      resource: betaResource as Target['resource'],
      email: 'bob@example.com',
      serviceAccount: 'beta-bot',
      token: betaTok.name,
      ...(await decided('beta', betaToken, a)),
    }

    // The bootstrap space: a resource, a viewer service account, a user who is a viewer.
    const [homeResource] = (
      await created<{ resources: Target['resource'][] }>(
        s.call('PUT', '/v1/spaces/default/resources:bulkUpdate', {
          body: { resources: [{ kind: 'customer', id: 'home_1' }] },
        }),
        200,
      )
    ).resources
    viewerToken = (await newToken('default', 'viewer-bot', ['viewer'])).accessToken
    const tokens = await created<{ tokens: { name: string; serviceAccount: string }[] }>(
      s.call('GET', '/v1/spaces/default/tokens'),
      200,
    )
    home = {
      space: 'default',
      resource: homeResource as Target['resource'],
      email: s.boot.adminEmail,
      serviceAccount: 'bootstrap',
      token: tokens.tokens.find((t) => t.serviceAccount === 'bootstrap')?.name ?? '',
      ...(await decided('default', undefined, a)),
    }
    expect(home.token).not.toBe('')
  })
  afterAll(() => s.close())

  describe('authentication', () => {
    it('no token is 401 UNAUTHENTICATED, before anything else is looked at', async () => {
      for (const [method, path, body] of [
        ['GET', '/v1/spaces', undefined],
        ['GET', '/v1/spaces/default/resources', undefined],
        ['GET', '/v1/spaces/no-such-space/resources', undefined],
        ['PUT', '/v1/spaces/default/resources:bulkUpdate', { resources: 'not even valid' }],
        ['POST', '/v1/spaces/default/tokens', { serviceAccount: 'bootstrap' }],
        ['DELETE', '/v1/spaces/default', undefined],
      ] as const) {
        await expectError(await s.call(method, path, { token: null, body }), 401, 'UNAUTHENTICATED')
      }
    })

    it('a malformed Authorization header is 401', async () => {
      const token = s.boot.token
      for (const authorization of [
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${token} extra`,
        `Basic ${Buffer.from(`bootstrap:${token}`).toString('base64')}`,
        `Token ${token}`,
        token,
        `Bearer:${token}`,
        `BearerX ${token}`,
      ]) {
        const res = await s.call('GET', '/v1/spaces/default/resources', {
          token: null,
          headers: { authorization },
        })
        await expectError(res, 401, 'UNAUTHENTICATED')
      }
      // The scheme is case-insensitive (RFC 9110), so this one is fine.
      const ok = await s.call('GET', '/v1/spaces/default/resources', {
        token: null,
        headers: { authorization: `bearer ${token}` },
      })
      expect(ok.status).toBe(200)
    })

    it('a random or altered service-account token is 401', async () => {
      for (const token of [
        `oi_sa_${randomBytes(32).toString('base64url')}`,
        'oi_sa_',
        `${s.boot.token.slice(0, -1)}${s.boot.token.endsWith('A') ? 'B' : 'A'}`,
        `${s.boot.token}x`,
        s.boot.token.toUpperCase(),
      ]) {
        await expectError(
          await s.call('GET', '/v1/spaces/default/resources', { token }),
          401,
          'UNAUTHENTICATED',
        )
      }
    })

    it('forged, garbage and tampered JWTs are 401', async () => {
      const victim = { email: 'admin@example.com' }
      const admin = await s.rt.store.principals.userByEmail(victim.email)
      const now = Math.floor(s.clock.now() / 1000)
      const claims = { uid: admin?.id, email: victim.email }
      const real = s.rt.signer.publicJwk

      const other = await generateKeyPair('ES256', { extractable: true })
      const otherKey = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: real.kid ?? '', typ: 'JWT' })
        .setIssuer('openindent')
        .setSubject(victim.email)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(other.privateKey)

      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: victim.email, iss: 'openindent', exp: now + 3600 })}.`
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: real.kid ?? '' })
        .setIssuer('openindent')
        .setSubject(victim.email)
        .setExpirationTime(now + 3600)
        .sign(new TextEncoder().encode(JSON.stringify(real)))

      // The server's own key, so the signature is good, but the claims are not.
      const stored = await s.rt.store.settings.get('user_token_signing_key')
      const ownKey = await importJWK(JSON.parse(stored ?? '{}') as JWK, 'ES256')
      const own = (c: Record<string, unknown>, iss: string, sub: string) =>
        new SignJWT(c)
          .setProtectedHeader({ alg: 'ES256', kid: real.kid ?? '' })
          .setIssuer(iss)
          .setAudience(s.rt.signer.issuer)
          .setSubject(sub)
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(ownKey)
      const wrongIssuer = await own(claims, 'someone-else', victim.email)
      const unknownUser = await own(
        { uid: 'usr_00000000000000000000', email: 'ghost@example.com' },
        s.rt.signer.issuer,
        'ghost@example.com',
      )
      const noUid = await own({ email: victim.email }, s.rt.signer.issuer, victim.email)

      const good = await userToken(s, s.boot.adminEmail)
      const [h, p, sig] = good.split('.')
      const tamperedPayload = `${h}.${b64({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), uid: 'usr_x' })}.${sig}`
      const truncated = good.slice(0, -4)

      for (const token of [
        otherKey,
        none,
        hs256,
        wrongIssuer,
        unknownUser,
        noUid,
        tamperedPayload,
        truncated,
        'eyJhbGciOiJFUzI1NiJ9.e30.AAAA',
        'a.b.c',
        'not-a-jwt',
        `${good}.${good}`,
      ]) {
        await expectError(await s.call('GET', '/v1/spaces', { token }), 401, 'UNAUTHENTICATED')
      }
      // The control: the genuine token works.
      expect((await s.call('GET', '/v1/spaces', { token: good })).status).toBe(200)
    })

    it("a genuine JWT cannot claim another user's email", async () => {
      await created(
        s.call('PUT', '/v1/spaces/default/members/mallory@example.com', {
          body: { member: { roles: ['viewer'] } },
        }),
        200,
      )
      const mallory = await s.rt.store.principals.userByEmail('mallory@example.com')
      // Signed by the server for mallory's id, but naming the admin: refused, not treated as the admin.
      const token = await s.rt.signer.sign({ email: s.boot.adminEmail, userId: mallory?.id ?? '' }, 3600)
      await expectError(await s.call('GET', '/v1/spaces', { token }), 401, 'UNAUTHENTICATED')
    })

    it('a revoked token is refused on the very next request', async () => {
      const { name, accessToken } = await newToken('default', 'revokee', ['editor'])
      expect((await s.call('GET', '/v1/spaces/default/resources', { token: accessToken })).status).toBe(200)
      expect((await s.call('DELETE', `/v1/spaces/default/tokens/${name}`)).status).toBe(200)
      await expectError(
        await s.call('GET', '/v1/spaces/default/resources', { token: accessToken }),
        401,
        'UNAUTHENTICATED',
      )
      // A token cannot revive itself, nor act on its way out.
      await expectError(
        await s.call('POST', '/v1/spaces/default/tokens', {
          token: accessToken,
          body: { serviceAccount: 'revokee' },
        }),
        401,
        'UNAUTHENTICATED',
      )
    })

    it("a deleted service account's tokens are refused at once", async () => {
      const first = await newToken('default', 'doomed', ['editor'])
      const second = await created<{ accessToken: string }>(
        s.call('POST', '/v1/spaces/default/tokens', { body: { serviceAccount: 'doomed' } }),
      )
      for (const t of [first.accessToken, second.accessToken]) {
        expect((await s.call('GET', '/v1/spaces/default/resources', { token: t })).status).toBe(200)
      }
      expect((await s.call('DELETE', '/v1/spaces/default/serviceAccounts/doomed')).status).toBe(200)
      for (const t of [first.accessToken, second.accessToken]) {
        await expectError(
          await s.call('GET', '/v1/spaces/default/resources', { token: t }),
          401,
          'UNAUTHENTICATED',
        )
      }
      // A new account with the same name does not bring the old tokens back.
      await created(
        s.call('POST', '/v1/spaces/default/serviceAccounts', { body: { name: 'doomed', roles: ['editor'] } }),
      )
      await expectError(
        await s.call('GET', '/v1/spaces/default/resources', { token: first.accessToken }),
        401,
        'UNAUTHENTICATED',
      )
    })

    it('an expired user access token is 401', async () => {
      await created(
        s.call('PUT', '/v1/spaces/default/members/dave@example.com', {
          body: { member: { roles: ['viewer'] } },
        }),
        200,
      )
      const token = await userToken(s, 'dave@example.com', 3600)
      expect((await s.call('GET', '/v1/spaces', { token })).status).toBe(200)
      s.clock.advance(3599_000)
      expect((await s.call('GET', '/v1/spaces/default/resources', { token })).status).toBe(200)
      s.clock.advance(2_000)
      const body = await expectError(await s.call('GET', '/v1/spaces', { token }), 401, 'UNAUTHENTICATED')
      expect(body.message).toMatch(/expired/)
    })
  })

  describe('space isolation', () => {
    it('a token of one space gets 404 (never 403) for every route of another space, and changes nothing', async () => {
      const a = await admin()
      const before = await spaceState(s, 'beta', a)
      const requests = requestsFor(beta)
      expect(requests.length).toBe(Object.keys(BODIES).length)
      for (const r of requests) {
        for (const token of [s.boot.token, viewerToken]) {
          const res = await s.call(r.method, r.path, { token, body: r.body })
          const found = await expectError(res, 404, 'NOT_FOUND')
          // Indistinguishable from a space that does not exist.
          const missing = await expectError(
            await s.call(r.method, r.path.replace('/v1/spaces/beta', '/v1/spaces/no-such-space'), {
              token,
              body: r.body,
            }),
            404,
            'NOT_FOUND',
          )
          expect(found.message.replaceAll('beta', '…'), r.route).toBe(
            missing.message.replaceAll('no-such-space', '…'),
          )
          expect(found.param).toBe(missing.param)
        }
      }
      // Invalid input does not let a caller probe either: the space check comes first.
      await expectError(
        await s.call('PUT', '/v1/spaces/beta/resources:bulkUpdate', { body: { resources: 7 } }),
        404,
        'NOT_FOUND',
      )
      await expectError(await s.call('GET', '/v1/spaces/beta/resources?pageSize=0'), 404, 'NOT_FOUND')
      expect(await spaceState(s, 'beta', await admin())).toEqual(before)
    })

    it('and the other way round: the beta token sees nothing of default', async () => {
      const before = await spaceState(s)
      for (const r of requestsFor(home)) {
        await expectError(
          await s.call(r.method, r.path, { token: betaToken, body: r.body }),
          404,
          'NOT_FOUND',
        )
      }
      expect(await spaceState(s)).toEqual(before)
      const spaces = await created<{ spaces: { name: string }[] }>(
        s.call('GET', '/v1/spaces', { token: betaToken }),
        200,
      )
      expect(spaces.spaces.map((x) => x.name)).toEqual(['beta'])
    })

    it('a user who is not a member of a space gets 404 for it, like a token of another space', async () => {
      const token = await userToken(s, 'bob@example.com')
      expect((await s.call('GET', '/v1/spaces/beta/resources', { token })).status).toBe(200)
      await expectError(await s.call('GET', '/v1/spaces/default/resources', { token }), 404, 'NOT_FOUND')
      // Removed from beta: the same token, still valid, no longer sees it.
      expect(
        (await s.call('DELETE', '/v1/spaces/beta/members/bob@example.com', { token: await admin() })).status,
      ).toBe(200)
      await expectError(await s.call('GET', '/v1/spaces/beta/resources', { token }), 404, 'NOT_FOUND')
      const spaces = await created<{ spaces: unknown[] }>(s.call('GET', '/v1/spaces', { token }), 200)
      expect(spaces.spaces).toEqual([])
    })
  })

  describe('roles', () => {
    it('a viewer service account can read resources but every write is 403 PERMISSION_DENIED and changes nothing', async () => {
      const before = await spaceState(s)
      const requests = requestsFor(home)
      let reads = 0
      for (const r of requests) {
        const res = await s.call(r.method, r.path, { token: viewerToken, body: r.body })
        if (VIEWER_MAY.has(r.route)) {
          expect(res.status, r.route).toBe(200)
          reads++
        } else if (VIEWER_NOT_FOUND.has(r.route)) {
          await expectError(res, 404, 'NOT_FOUND')
        } else {
          const body = await expectError(res, 403, 'PERMISSION_DENIED')
          expect(body.message.length, r.route).toBeGreaterThan(0)
        }
      }
      expect(reads).toBe(VIEWER_MAY.size)
      const list = await created<{ resources: { name: string }[] }>(
        s.call('GET', '/v1/spaces/default/resources', { token: viewerToken }),
        200,
      )
      expect(list.resources.map((r) => r.name)).toContain(home.resource.name)
      const petitions = await created<{ petitions: unknown[] }>(
        s.call('GET', '/v1/spaces/default/petitions', { token: viewerToken }),
        200,
      )
      expect(petitions.petitions).toEqual([])
      expect(await spaceState(s)).toEqual(before)
    })

    it('only instance administrators create or delete spaces', async () => {
      await created(
        s.call('PUT', '/v1/spaces/default/members/carol@example.com', {
          body: { member: { roles: ['editor'] } },
        }),
        200,
      )
      await created(
        s.call('POST', '/v1/spaces', { token: await admin(), body: { space: { name: 'gamma' } } }),
      )
      await created(
        s.call('PUT', '/v1/spaces/gamma/members/carol@example.com', {
          token: await admin(),
          body: { member: { roles: ['viewer'] } },
        }),
        200,
      )
      const carol = await userToken(s, 'carol@example.com')

      const mine = await created<{ spaces: { name: string }[] }>(
        s.call('GET', '/v1/spaces', { token: carol }),
        200,
      )
      expect(mine.spaces.map((x) => x.name)).toEqual(['default', 'gamma'])
      const everything = await created<{ spaces: { name: string }[] }>(
        s.call('GET', '/v1/spaces', { token: await admin() }),
        200,
      )
      expect(everything.spaces.map((x) => x.name)).toEqual(['beta', 'default', 'gamma'])

      const counted = await s.rt.store.spaces.count()
      for (const token of [carol, s.boot.token, viewerToken, betaToken]) {
        await expectError(
          await s.call('POST', '/v1/spaces', { token, body: { space: { name: 'sneaky' } } }),
          403,
          'PERMISSION_DENIED',
        )
      }
      // An editor of a space still cannot delete it.
      await expectError(
        await s.call('DELETE', '/v1/spaces/default', { token: carol }),
        403,
        'PERMISSION_DENIED',
      )
      await expectError(await s.call('DELETE', '/v1/spaces/default'), 403, 'PERMISSION_DENIED')
      expect(await s.rt.store.spaces.count()).toBe(counted)
      expect(await s.rt.store.spaces.byName('sneaky')).toBeUndefined()
    })
  })

  describe('what errors reveal', () => {
    it('an internal failure is a bare 500 INTERNAL: no SQL, driver text or stack', async () => {
      // Break the store under the server: the idempotency table disappears for one request.
      const db = s.rt.store.db
      await sql`ALTER TABLE idempotency_keys RENAME TO idempotency_keys_hidden`.execute(db)
      try {
        const res = await s.call('POST', '/v1/spaces/default/tokens', {
          body: { serviceAccount: 'bootstrap' },
          headers: { 'idempotency-key': 'boom' },
        })
        const body = await expectError(res, 500, 'INTERNAL', null)
        expect(body.message).not.toMatch(/idempotency|table|relation|exist|column/i)
        expect(Object.keys(body).sort()).toEqual(['code', 'message', 'requestId', 'type'])
      } finally {
        await sql`ALTER TABLE idempotency_keys_hidden RENAME TO idempotency_keys`.execute(db)
      }
    })

    it('no error response carries a stack, SQL or engine name (every suite checks this on every error)', async () => {
      // A spread of errors from different layers; expectEnvelope refuses stack frames, SQL and engine names.
      const triggered = [
        await s.call('GET', '/v1/spaces/default/resources?labelSelector=a%20in%20(', {}),
        await s.call('GET', `/v1/spaces/default/resources?kind=${'k'.repeat(300)}`, {}),
        await s.call('GET', '/v1/spaces/default/resources?pageToken=eyJ', {}),
        await s.call('POST', '/v1/spaces/default/resources', { rawBody: '{"resource":' }),
        await s.call('GET', '/v1/spaces/default/resources/0000000000000000'),
        await s.call('POST', '/v1/auth/token', { token: null, body: { grantType: 'signInCode', code: 'x' } }),
        await s.call('GET', '/v1/spaces', { token: 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA' }),
      ]
      for (const res of triggered) {
        expect(res.status).toBeGreaterThanOrEqual(400)
        await expectEnvelope(res)
      }
      // SQL-looking input is data: it neither errors nor matches.
      const injected = await s.call('GET', "/v1/spaces/default/resources?kind=customer'%20OR%20'1'='1")
      expect(injected.status).toBe(200)
      expect(((await injected.json()) as { resources: unknown[] }).resources).toEqual([])
    })
  })
})
