import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId, sha256Hex } from '../../src/domain/ids.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

let secrets = 0
const secretHash = () => sha256Hex(`secret-${++secrets}-${newId('s')}`)

async function serviceAccount(store: Store, spaceId: string, name: string): Promise<string> {
  const id = newId('sa')
  const created = await store.principals.createServiceAccount({ id, spaceId, name, roles: ['editor'] }, T0)
  if (!created) throw new Error(`service account ${name} not created`)
  return id
}

async function token(
  store: Store,
  spaceId: string,
  serviceAccountId: string,
  expireTime?: number,
): Promise<{ id: string; hash: string }> {
  const t = { id: newId('tok'), hash: secretHash() }
  await store.tokens.create(
    { id: t.id, spaceId, serviceAccountId, secretHash: t.hash, displayName: 'ci', expireTime },
    T0,
  )
  return t
}

describe.each(ENGINES)('token store on %s', (engine) => {
  let t: TestStore
  let store: Store
  let userId: string
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
    userId = newId('usr')
    await store.principals.createUser({ id: userId, email: 'u@example.com', isAdmin: false }, T0)
  })
  afterAll(() => t.close())

  describe('service-account tokens', () => {
    it('finds an active token by its secret hash, with its account', async () => {
      const space = await createSpace(store)
      const sa = await serviceAccount(store, space, 'ci')
      const tok = await token(store, space, sa)

      const found = await store.tokens.findActive(tok.hash, T0 + 1)

      expect(found).toEqual({
        id: tok.id,
        spaceId: space,
        displayName: 'ci',
        createTime: T0,
        serviceAccount: { id: sa, spaceId: space, name: 'ci', roles: ['editor'], createTime: T0 },
      })
      expect(await store.tokens.findActive(secretHash(), T0 + 1)).toBeUndefined()
    })

    it('stops finding a token once it is revoked', async () => {
      const space = await createSpace(store)
      const sa = await serviceAccount(store, space, 'ci')
      const tok = await token(store, space, sa)
      const other = await token(store, space, sa)

      expect(await store.tokens.revoke(space, tok.id, T0 + 10)).toBe(true)

      expect(await store.tokens.findActive(tok.hash, T0 + 20)).toBeUndefined()
      expect((await store.tokens.findActive(other.hash, T0 + 20))?.id).toBe(other.id)
      expect(await store.tokens.revoke(space, tok.id, T0 + 30)).toBe(false)
      expect((await store.tokens.byId(space, tok.id))?.revokeTime).toBe(T0 + 10)
    })

    it('does not revoke a token from another space', async () => {
      const a = await createSpace(store, 'a')
      const b = await createSpace(store, 'b')
      const tok = await token(store, a, await serviceAccount(store, a, 'ci'))

      expect(await store.tokens.revoke(b, tok.id, T0)).toBe(false)
      expect(await store.tokens.byId(b, tok.id)).toBeUndefined()
      expect((await store.tokens.findActive(tok.hash, T0 + 1))?.id).toBe(tok.id)
    })

    it('stops finding a token once its expire time has passed', async () => {
      const space = await createSpace(store)
      const tok = await token(store, space, await serviceAccount(store, space, 'ci'), T0 + 1_000)

      expect((await store.tokens.findActive(tok.hash, T0 + 999))?.expireTime).toBe(T0 + 1_000)
      expect(await store.tokens.findActive(tok.hash, T0 + 1_000)).toBeUndefined()
      expect(await store.tokens.findActive(tok.hash, T0 + 86_400_000)).toBeUndefined()
    })

    it('stops finding tokens of a deleted service account and frees its name', async () => {
      const space = await createSpace(store)
      const sa = await serviceAccount(store, space, 'ci')
      const tok = await token(store, space, sa)

      const deleted = await store.principals.deleteServiceAccount(space, 'ci', T0 + 5)

      expect(deleted).toMatchObject({ id: sa, name: 'ci' })
      expect(await store.tokens.findActive(tok.hash, T0 + 6)).toBeUndefined()
      expect(await store.principals.serviceAccountByName(space, 'ci')).toBeUndefined()
      expect(await store.principals.deleteServiceAccount(space, 'ci', T0 + 6)).toBeUndefined()

      const again = await serviceAccount(store, space, 'ci')
      expect((await store.principals.serviceAccountByName(space, 'ci'))?.id).toBe(again)
      const fresh = await token(store, space, again)
      expect((await store.tokens.findActive(fresh.hash, T0 + 7))?.serviceAccount.id).toBe(again)
      expect(await store.tokens.findActive(tok.hash, T0 + 7)).toBeUndefined()
      expect(
        (await store.principals.listServiceAccounts(space, { limit: 10 })).map((s) => [s.id, s.name]),
      ).toEqual([[again, 'ci']])
    })

    it('deletes a service account only in its own space', async () => {
      const a = await createSpace(store, 'a')
      const b = await createSpace(store, 'b')
      const tok = await token(store, a, await serviceAccount(store, a, 'ci'))
      await serviceAccount(store, b, 'ci')

      expect(await store.principals.deleteServiceAccount(b, 'ci', T0)).toBeDefined()

      expect((await store.tokens.findActive(tok.hash, T0 + 1))?.id).toBe(tok.id)
      expect(await store.principals.serviceAccountByName(a, 'ci')).toBeDefined()
    })
  })

  describe('sign-in codes', () => {
    it('can be used once, and not twice', async () => {
      const code = secretHash()
      await store.tokens.createSignInCode(code, userId, T0 + 600_000)

      expect(await store.tokens.consumeSignInCode(code, T0)).toBe(userId)
      expect(await store.tokens.consumeSignInCode(code, T0 + 1)).toBeUndefined()
      expect(await store.tokens.consumeSignInCode(secretHash(), T0)).toBeUndefined()
    })

    it('cannot be used once expired', async () => {
      const code = secretHash()
      await store.tokens.createSignInCode(code, userId, T0 + 600_000)

      expect(await store.tokens.consumeSignInCode(code, T0 + 600_000)).toBeUndefined()
      expect(await store.tokens.consumeSignInCode(code, T0 + 600_001)).toBeUndefined()
      // The failed attempts did not use it up: it still works before its expiry.
      expect(await store.tokens.consumeSignInCode(code, T0 + 599_999)).toBe(userId)
    })

    it('lets exactly one of 5 concurrent uses of a code win', async () => {
      const code = secretHash()
      await store.tokens.createSignInCode(code, userId, T0 + 600_000)

      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.tokens.consumeSignInCode(code, T0 + i)),
      )

      expect(results.filter((r) => r === userId)).toHaveLength(1)
      expect(results.filter((r) => r === undefined)).toHaveLength(4)
    })
  })
})
