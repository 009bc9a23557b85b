import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { auditEvents, expectError } from './support.js'

const base = '/v1/spaces/default'
const DAY_MS = 86_400_000

interface WireToken {
  name: string
  serviceAccount: string
  displayName?: string
  accessToken?: string
  expireTime?: string
  revokeTime?: string
  meta: { name?: string; space?: string; createTime?: string }
}
interface WireServiceAccount {
  name: string
  displayName?: string
  roles: string[]
  meta: { space?: string; createTime?: string }
}

describe.each(ENGINES)('service accounts and tokens on %s', (engine) => {
  let s: TestServer

  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  async function json<T>(res: Response | Promise<Response>, status: number): Promise<T> {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }
  const createAccount = (name: string, roles: string[], displayName?: string) =>
    json<WireServiceAccount>(
      s.call('POST', `${base}/serviceAccounts`, { body: { name, roles, displayName } }),
      201,
    )
  const createToken = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    s.call('POST', `${base}/tokens`, { body, headers: headers ?? {} })
  const listTokens = async (query = '') =>
    (await json<{ tokens: WireToken[] }>(s.call('GET', `${base}/tokens${query}`), 200)).tokens
  const works = async (token: string) => (await s.call('GET', `${base}/resources`, { token })).status

  it('creates a service account and a token that acts with its roles', async () => {
    const sa = await createAccount('ci', ['petitionAdmin'], 'CI pipeline')
    expect(sa).toMatchObject({
      name: 'ci',
      displayName: 'CI pipeline',
      roles: ['petitionAdmin'],
      meta: { space: 'default' },
    })
    expect(Date.parse(sa.meta.createTime ?? '')).toBe(s.clock.now())
    const listed = await json<{ serviceAccounts: WireServiceAccount[] }>(
      s.call('GET', `${base}/serviceAccounts`),
      200,
    )
    expect(listed.serviceAccounts.map((x) => x.name)).toEqual(['bootstrap', 'ci'])
    expect(listed.serviceAccounts[1]).toEqual(sa)

    const token = await json<WireToken>(createToken({ serviceAccount: 'ci', displayName: 'deploys' }), 201)
    expect(token).toMatchObject({ serviceAccount: 'ci', displayName: 'deploys', meta: { space: 'default' } })
    // A JWT, as Indent's SDK needs: its payload names the instance, the account and the token.
    const [header, payload] = (token.accessToken ?? '').split('.').map((part) => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
      } catch {
        return {}
      }
    })
    expect(header).toMatchObject({ alg: 'ES256', typ: 'openindent-sa+jwt' })
    expect(payload).toMatchObject({
      iss: s.rt.signer.issuer,
      sub: 'openindent.v1.ServiceAccount/ci',
      jti: token.name,
      scope: 'petitionAdmin',
      space: 'default',
    })
    expect(payload).not.toHaveProperty('exp')
    expect(token).toMatchObject({ scope: 'petitionAdmin' })
    expect(token.expireTime).toBeUndefined()
    expect(await works(token.accessToken ?? '')).toBe(200)
    // petitionAdmin may read, but not configure the space.
    const write = await s.call('POST', `${base}/serviceAccounts`, {
      token: token.accessToken ?? '',
      body: { name: 'escalate', roles: ['editor'] },
    })
    await expectError(write, 403, 'PERMISSION_DENIED')
  })

  it('a service-account JWT is good only while the database holds it: forged or revoked, it is refused', async () => {
    const { accessToken, name } = await json<WireToken>(createToken({ serviceAccount: 'ci' }), 201)
    const jwt = accessToken ?? ''
    expect(await works(jwt)).toBe(200)
    // Same header and claims, signed by the instance's own key: still not a token it issued.
    const [h, p] = jwt.split('.')
    const resigned = await s.rt.signer.mintServiceToken({
      tokenId: name,
      spaceName: 'default',
      serviceAccount: 'ci',
      scope: 'petitionAdmin',
      issuedAt: s.clock.now() + 1000,
    })
    expect(resigned.split('.').slice(0, 2)).not.toEqual([h, p])
    await expectError(await s.call('GET', `${base}/resources`, { token: resigned }), 401, 'UNAUTHENTICATED')
    await s.call('DELETE', `${base}/tokens/${name}`)
    await expectError(await s.call('GET', `${base}/resources`, { token: jwt }), 401, 'UNAUTHENTICATED')
  })

  it('an opaque oi_sa_ token made before tokens were JWTs keeps working', async () => {
    const space = await s.rt.store.spaces.byName('default')
    const sa = await s.rt.store.principals.serviceAccountByName(space?.id ?? '', 'ci')
    const legacy = `oi_sa_${'x'.repeat(43)}`
    await s.rt.store.transaction((tx) =>
      tx.tokens.create(
        {
          id: 'tok_legacy',
          spaceId: space?.id ?? '',
          serviceAccountId: sa?.id ?? '',
          secretHash: createHash('sha256').update(legacy).digest('hex'),
        },
        s.clock.now(),
      ),
    )
    expect(await works(legacy)).toBe(200)
  })

  it('a service account shows its roles as stored: deduplicated, the same in the response and the list', async () => {
    const sa = await createAccount('multi', ['viewer', 'editor', 'viewer'])
    expect([...sa.roles].sort()).toEqual(['editor', 'viewer'])
    const listed = await json<{ serviceAccounts: WireServiceAccount[] }>(
      s.call('GET', `${base}/serviceAccounts`),
      200,
    )
    expect(listed.serviceAccounts.find((x) => x.name === 'multi')).toEqual(sa)
  })

  it('a duplicate service-account name is 409; a token for an unknown account is 404', async () => {
    await createAccount('dup', ['viewer'])
    await expectError(
      await s.call('POST', `${base}/serviceAccounts`, { body: { name: 'dup', roles: ['editor'] } }),
      409,
      'ALREADY_EXISTS',
    )
    await expectError(await createToken({ serviceAccount: 'nobody' }), 404, 'NOT_FOUND')
  })

  it('shows the secret once: only in the create response, never in a list', async () => {
    const { accessToken, name } = await json<WireToken>(createToken({ serviceAccount: 'ci' }), 201)
    expect(accessToken).toBeDefined()
    for (const query of ['', '?showRevoked=true', '?serviceAccount=ci']) {
      const res = await s.call('GET', `${base}/tokens${query}`)
      const text = await res.text()
      expect(text).not.toContain(accessToken ?? '')
      const tokens = (JSON.parse(text) as { tokens: WireToken[] }).tokens
      expect(tokens.map((t) => t.name)).toContain(name)
      for (const t of tokens) {
        expect(t.accessToken).toBeUndefined()
        expect(JSON.stringify(t)).not.toMatch(/oi_sa_/)
      }
    }
    // Nor is it kept in clear in the store.
    const rows = await s.rt.store.db.selectFrom('tokens').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain(accessToken ?? '')
  })

  it('lists active tokens, revoked ones only with showRevoked=true, and filters by service account', async () => {
    await createAccount('lister', ['viewer'])
    const a = await json<WireToken>(createToken({ serviceAccount: 'lister', displayName: 'a' }), 201)
    const b = await json<WireToken>(createToken({ serviceAccount: 'lister', displayName: 'b' }), 201)
    s.clock.advance(1000)
    const revoked = await json<WireToken>(s.call('DELETE', `${base}/tokens/${a.name}`), 200)
    expect(revoked).toMatchObject({ name: a.name, serviceAccount: 'lister' })
    expect(revoked.accessToken).toBeUndefined()
    expect(Date.parse(revoked.revokeTime ?? '')).toBe(s.clock.now())

    const active = await listTokens('?serviceAccount=lister')
    expect(active.map((t) => t.name)).toEqual([b.name])
    const all = await listTokens('?serviceAccount=lister&showRevoked=true')
    expect(all.map((t) => t.name).sort()).toEqual([a.name, b.name].sort())
    expect(all.find((t) => t.name === a.name)?.revokeTime).toBe(revoked.revokeTime)
    expect(all.find((t) => t.name === b.name)?.revokeTime).toBeUndefined()
    expect((await listTokens('?showRevoked=false')).map((t) => t.name)).not.toContain(a.name)
    expect((await listTokens()).every((t) => t.revokeTime === undefined)).toBe(true)
    await expectError(await s.call('GET', `${base}/tokens?serviceAccount=nobody`), 404, 'NOT_FOUND')
  })

  it('revoking twice: the second is 404 and writes no second audit event', async () => {
    const t = await json<WireToken>(createToken({ serviceAccount: 'ci' }), 201)
    expect((await s.call('DELETE', `${base}/tokens/${t.name}`)).status).toBe(200)
    const head = await s.rt.store.audit.head((await s.rt.store.spaces.byName('default'))?.id ?? '')
    await expectError(await s.call('DELETE', `${base}/tokens/${t.name}`), 404, 'NOT_FOUND')
    await expectError(await s.call('DELETE', `${base}/tokens/tok_does_not_exist`), 404, 'NOT_FOUND')
    expect(await s.rt.store.audit.head((await s.rt.store.spaces.byName('default'))?.id ?? '')).toEqual(head)
    expect(await works(t.accessToken ?? '')).toBe(401)
  })

  it('a token with expiryDays stops working once the clock passes its expiry', async () => {
    const created = s.clock.now()
    const t = await json<WireToken>(createToken({ serviceAccount: 'ci', expiryDays: 2 }), 201)
    expect(Date.parse(t.expireTime ?? '')).toBe(created + 2 * DAY_MS)
    expect(await works(t.accessToken ?? '')).toBe(200)
    s.clock.advance(2 * DAY_MS - 1)
    expect(await works(t.accessToken ?? '')).toBe(200)
    s.clock.advance(1)
    await expectError(
      await s.call('GET', `${base}/resources`, { token: t.accessToken ?? '' }),
      401,
      'UNAUTHENTICATED',
    )
    // Expired tokens still show in the list (they were not revoked), with their expiry.
    const listed = (await listTokens()).find((x) => x.name === t.name)
    expect(listed?.expireTime).toBe(t.expireTime)
    // A token without expiry keeps working, however late.
    const forever = await json<WireToken>(createToken({ serviceAccount: 'ci' }), 201)
    s.clock.advance(3650 * DAY_MS)
    expect(await works(forever.accessToken ?? '')).toBe(200)
  })

  describe('Idempotency-Key', () => {
    it('a repeated identical POST returns the same token, replayed, and only one exists', async () => {
      await createAccount('idem', ['viewer'])
      const body = { serviceAccount: 'idem', displayName: 'once' }
      const key = { 'idempotency-key': 'create-idem-1' }
      const first = await createToken(body, key)
      expect(first.status).toBe(201)
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      const firstToken = (await first.json()) as WireToken
      s.clock.advance(5_000)
      for (let i = 0; i < 3; i++) {
        const again = await createToken(body, key)
        expect(again.status).toBe(201)
        expect(again.headers.get('idempotent-replayed')).toBe('true')
        expect((await again.json()) as WireToken).toEqual(firstToken)
      }
      const tokens = await listTokens('?serviceAccount=idem&showRevoked=true')
      expect(tokens.map((t) => t.name)).toEqual([firstToken.name])
      expect(await works(firstToken.accessToken ?? '')).toBe(200)
      const creates = (await auditEvents(s)).filter(
        (e) => e.event === 'token/create' && e.resources?.some((r) => r.id === firstToken.name),
      )
      expect(creates).toHaveLength(1)
    })

    it('a key is honoured for a day: after the sweep, the same key creates a new token', async () => {
      await createAccount('idem-day', ['viewer'])
      const body = { serviceAccount: 'idem-day' }
      const key = { 'idempotency-key': 'create-idem-day' }
      const first = (await (await createToken(body, key)).json()) as WireToken
      s.clock.advance(23 * 3_600_000)
      expect(await s.rt.idempotencySweep.runOnce()).toBe(0)
      expect(((await (await createToken(body, key)).json()) as WireToken).name).toBe(first.name)
      s.clock.advance(2 * 3_600_000)
      expect(await s.rt.idempotencySweep.runOnce()).toBeGreaterThanOrEqual(1)
      const later = await createToken(body, key)
      expect(later.headers.get('idempotent-replayed')).toBeNull()
      expect(((await later.json()) as WireToken).name).not.toBe(first.name)
    })

    it('the same key with a different body is 400 on Idempotency-Key and creates nothing', async () => {
      const key = { 'idempotency-key': 'create-idem-2' }
      const first = await json<WireToken>(
        createToken({ serviceAccount: 'idem', displayName: 'one' }, key),
        201,
      )
      const before = await listTokens('?serviceAccount=idem&showRevoked=true')
      for (const body of [
        { serviceAccount: 'idem', displayName: 'two' },
        { serviceAccount: 'ci', displayName: 'one' },
      ]) {
        await expectError(await createToken(body, key), 400, 'INVALID_ARGUMENT', 'Idempotency-Key')
      }
      // The same key on another route is a different request too.
      const other = await s.call('POST', `${base}/serviceAccounts`, {
        body: { name: 'idem-sa', roles: ['viewer'] },
        headers: key,
      })
      await expectError(other, 400, 'INVALID_ARGUMENT', 'Idempotency-Key')
      expect(await listTokens('?serviceAccount=idem&showRevoked=true')).toEqual(before)
      expect(before.map((t) => t.name)).toContain(first.name)
    })

    it('a failed request leaves no record: the key can be used again', async () => {
      const key = { 'idempotency-key': 'create-idem-3' }
      await expectError(await createToken({ serviceAccount: 'not-yet' }, key), 404, 'NOT_FOUND')
      await createAccount('not-yet', ['viewer'])
      const ok = await createToken({ serviceAccount: 'not-yet' }, key)
      expect(ok.status).toBe(201)
      expect(ok.headers.get('idempotent-replayed')).toBeNull()
      // A different body after the failure is not a mismatch either: the failed attempt left no claim.
      await expectError(
        await createToken({ serviceAccount: 'gone' }, { 'idempotency-key': 'create-idem-4' }),
        404,
        'NOT_FOUND',
      )
      expect(
        (await createToken({ serviceAccount: 'not-yet' }, { 'idempotency-key': 'create-idem-4' })).status,
      ).toBe(201)
    })

    it('keys are per caller: another caller with the same key and body gets its own token', async () => {
      await createAccount('second-admin', ['editor'])
      const other = await json<WireToken>(createToken({ serviceAccount: 'second-admin' }), 201)
      const body = { serviceAccount: 'idem', displayName: 'shared key' }
      const key = { 'idempotency-key': 'shared' }
      const mine = await json<WireToken>(createToken(body, key), 201)
      const theirsRes = await s.call('POST', `${base}/tokens`, {
        token: other.accessToken ?? '',
        body,
        headers: key,
      })
      expect(theirsRes.status).toBe(201)
      expect(theirsRes.headers.get('idempotent-replayed')).toBeNull()
      const theirs = (await theirsRes.json()) as WireToken
      expect(theirs.name).not.toBe(mine.name)
      expect(theirs.accessToken).not.toBe(mine.accessToken)
    })

    it('an empty or overlong key is 400 on Idempotency-Key', async () => {
      const count = (await listTokens('?showRevoked=true')).length
      for (const k of ['', 'k'.repeat(256)]) {
        await expectError(
          await createToken({ serviceAccount: 'idem' }, { 'idempotency-key': k }),
          400,
          'INVALID_ARGUMENT',
          'Idempotency-Key',
        )
      }
      expect((await listTokens('?showRevoked=true')).length).toBe(count)
    })
  })

  it('account and token changes append audit events naming the actor and what changed', async () => {
    const seqBefore = (await auditEvents(s)).length
    s.clock.advance(1000)
    const at = new Date(s.clock.now()).toISOString()
    await createAccount('audited', ['viewer'])
    const t = await json<WireToken>(createToken({ serviceAccount: 'audited' }), 201)
    expect((await s.call('DELETE', `${base}/tokens/${t.name}`)).status).toBe(200)
    expect((await s.call('DELETE', `${base}/serviceAccounts/audited`)).status).toBe(200)

    const events = (await auditEvents(s)).slice(seqBefore)
    expect(events.map((e) => e.event)).toEqual([
      'serviceAccount/create',
      'token/create',
      'token/revoke',
      'serviceAccount/delete',
    ])
    const actor = { kind: 'openindent.v1.ServiceAccount', id: 'bootstrap' }
    for (const e of events) {
      expect(e.actor).toMatchObject(actor)
      expect(e.timestamp).toBe(at)
      expect(JSON.stringify(e)).not.toMatch(/oi_sa_/)
    }
    expect(events[0]?.resources).toEqual([{ kind: 'openindent.v1.ServiceAccount', id: 'audited' }])
    expect(events[0]?.meta?.labels).toEqual({ 'openindent.dev/roles': 'viewer' })
    expect(events[1]?.resources).toEqual([
      { kind: 'openindent.v1.ServiceAccount', id: 'audited' },
      { kind: 'openindent.v1.Token', id: t.name },
    ])
    expect(events[2]?.resources).toEqual([{ kind: 'openindent.v1.Token', id: t.name }])
    expect(events[3]?.resources).toEqual([{ kind: 'openindent.v1.ServiceAccount', id: 'audited' }])

    // Deleting an account frees its name, hides it from the list, and a second delete is 404.
    const list = await json<{ serviceAccounts: WireServiceAccount[] }>(
      s.call('GET', `${base}/serviceAccounts`),
      200,
    )
    expect(list.serviceAccounts.map((x) => x.name)).not.toContain('audited')
    await expectError(await s.call('DELETE', `${base}/serviceAccounts/audited`), 404, 'NOT_FOUND')
    await createAccount('audited', ['editor'])
  })
})
