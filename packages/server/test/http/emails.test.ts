import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, type SpaceState, spaceState } from './support.js'

const members = '/v1/spaces/default/members'
const body = { member: { roles: ['viewer'] } }

/** Addresses that must never become users; each is sent URL-encoded as the path segment. */
const BAD = [
  '../../admin@localhost',
  '..%2F..%2Fadmin@localhost',
  'a/b@example.com',
  'a\\b@example.com',
  '.jane@example.com',
  'jane.@example.com',
  'ja..ne@example.com',
  'jane@.example.com',
  'jane@example.com.',
  'jane@example..com',
  'jane@-example.com',
  'jane@example-.com',
  'jane@exa_mple.com',
  'jane@',
  '@example.com',
  'jane',
  'ja ne@example.com',
  'jane@exämple.com',
  'jäne@example.com',
  'a@b@example.com',
  '"jane"@example.com',
  'jane%40evil.com@example.com',
  'jane@[127.0.0.1]',
  'jane\u200b@example.com',
  `${'j'.repeat(65)}@example.com`,
  `jane@${'d'.repeat(64)}.com`,
  `jane@${Array.from({ length: 60 }, () => 'abcd').join('.')}.com`,
]

describe.each(ENGINES)('member emails on %s', (engine) => {
  let s: TestServer
  let before: SpaceState

  beforeAll(async () => {
    s = await startTestServer(engine)
    before = await spaceState(s)
  })
  afterAll(() => s.close())

  it.each(BAD)('PUT members/%s is 400 INVALID_ARGUMENT on email and creates no user', async (email) => {
    const res = await s.call('PUT', `${members}/${encodeURIComponent(email)}`, { body })
    const error = await expectError(res, 400, 'INVALID_ARGUMENT', 'email')
    expect(error.message).toMatch(/not an email address/)
    expect(await s.rt.store.principals.userByEmail(email.toLowerCase())).toBeUndefined()
    expect(await spaceState(s)).toEqual(before)
  })

  it('the raw path of the attack (%2F inside the segment) creates no user either', async () => {
    const res = await s.call('PUT', `${members}/..%2F..%2Fadmin@localhost`, { body })
    await expectError(res, 400, 'INVALID_ARGUMENT', 'email')
    expect(await s.rt.store.principals.userByEmail('../../admin@localhost')).toBeUndefined()
  })

  it("ordinary addresses are accepted and stored trimmed and lower-case (plus tags, dashes, o'brien, localhost)", async () => {
    for (const [email, stored] of [
      ['Jane.Doe+ops@Example.COM', 'jane.doe+ops@example.com'],
      ["o'brien@example.co.uk", "o'brien@example.co.uk"],
      ['first_last-2@sub-1.example.org', 'first_last-2@sub-1.example.org'],
      ['ops@localhost', 'ops@localhost'],
      [`${'j'.repeat(64)}@example.com`, `${'j'.repeat(64)}@example.com`],
    ] as [string, string][]) {
      const res = await s.call('PUT', `${members}/${encodeURIComponent(email)}`, { body })
      expect(res.status, email).toBe(200)
      expect(((await res.json()) as { email?: string }).email).toBe(stored)
      expect((await s.rt.store.principals.userByEmail(stored))?.email).toBe(stored)
    }
  })
})
