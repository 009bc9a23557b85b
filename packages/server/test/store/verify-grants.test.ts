import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyGrants } from '../../src/domain/audit/verify-grants.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { spaceId, userToken } from '../http/support.js'

const base = '/v1/spaces/default'
const HOUR = 3_600_000
const user = (name: string) => ({ kind: 'user', id: `${name}@example.com`, email: `${name}@example.com` })

describe.each(ENGINES)('verify derives grants from their events on %s', (engine) => {
  let s: TestServer
  let space: string
  /** Petition names by what happened to them. */
  const p: Record<'timed' | 'indefinite' | 'revoked' | 'expired' | 'pair' | 'open', string> = {
    timed: '',
    indefinite: '',
    revoked: '',
    expired: '',
    pair: '',
    open: '',
  }

  async function ok<T>(res: Promise<Response>): Promise<T> {
    const r = await res
    if (r.status !== 200 && r.status !== 201) throw new Error(`${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }
  const petition = async (petitioners: object[], resources: object[]) =>
    (
      await ok<{ name: string }>(
        s.call('POST', `${base}/petitions`, { body: { petition: { petitioners, resources } } }),
      )
    ).name
  // Petitions are filed by the bootstrap service account and decided by a person (four eyes).
  const claim = async (name: string, claim: object) =>
    ok(
      s.call('POST', `${base}/petitions/${name}/claims`, {
        token: await userToken(s, s.boot.adminEmail),
        body: { claim },
      }),
    )
  const approve = (name: string, labels: Record<string, string>) =>
    claim(name, { event: 'access/approve', meta: { labels } })
  const db = () => s.rt.store.db
  const verify = (batch?: number) => verifyGrants(s.rt.store, space, batch === undefined ? {} : { batch })

  beforeAll(async () => {
    s = await startTestServer(engine)
    space = await spaceId(s, 'default')
    await ok(
      s.call('POST', `${base}/approvalRules`, {
        body: {
          name: 'vaults',
          rule: { selector: { kind: 'vault' }, approvers: { role: 'editor' }, allowIndefinite: true },
        },
      }),
    )
    p.timed = await petition([user('alice')], [{ kind: 'customer', id: 'cus_1' }])
    await approve(p.timed, { 'indent.com/time/duration': '4h' })
    p.indefinite = await petition([user('alice')], [{ kind: 'vault', id: 'v1' }])
    await approve(p.indefinite, { 'indent.com/time/indefinite': 'true' })
    p.revoked = await petition([user('bob')], [{ kind: 'customer', id: 'cus_2' }])
    await approve(p.revoked, { 'indent.com/time/duration': '3h' })
    s.clock.advance(HOUR)
    await claim(p.revoked, { event: 'access/revoke', reason: 'done' })
    p.expired = await petition([user('carol')], [{ kind: 'customer', id: 'cus_3' }])
    await approve(p.expired, { 'indent.com/time/duration': '30m' })
    p.pair = await petition(
      [user('dan'), user('erin')],
      [
        { kind: 'customer', id: 'cus_4' },
        { kind: 'customer', id: 'cus_5' },
      ],
    )
    await approve(p.pair, { 'indent.com/time/duration': '8h' })
    p.open = await petition([user('fay')], [{ kind: 'customer', id: 'cus_6' }])
    s.clock.advance(HOUR)
    expect(await s.rt.expiry.runOnce()).toBe(1)
  })
  afterAll(() => s.close())

  it('passes grants made, revoked and expired as their events say, in batches of any size', async () => {
    const grants = await db().selectFrom('grants').select('petition').where('space_id', '=', space).execute()
    expect(grants).toHaveLength(8)
    for (const batch of [undefined, 1, 2, 4]) expect(await verify(batch)).toEqual({ ok: true, petitions: 6 })
  })

  /** Tampers, expects verify to name the petition, and puts the row back. */
  async function caught(name: string, tamper: string, undo: string, problem: RegExp) {
    await sql.raw(tamper).execute(db())
    for (const batch of [undefined, 1, 3]) {
      const r = await verify(batch)
      expect(r).toMatchObject({ ok: false, petition: name })
      expect(r.ok ? '' : r.problem).toMatch(problem)
    }
    await sql.raw(undo).execute(db())
    expect(await verify()).toMatchObject({ ok: true })
  }

  it('finds a changed expiry, and an expiry added to an indefinite grant or removed from a timed one', async () => {
    await caught(
      p.timed,
      `UPDATE grants SET expire_time = expire_time + ${24 * HOUR} WHERE petition = '${p.timed}'`,
      `UPDATE grants SET expire_time = expire_time - ${24 * HOUR} WHERE petition = '${p.timed}'`,
      /expires .* its access\/grant event \(seq \d+\) says/,
    )
    const [row] = await db()
      .selectFrom('grants')
      .select('expire_time')
      .where('petition', '=', p.timed)
      .execute()
    await caught(
      p.timed,
      `UPDATE grants SET expire_time = NULL WHERE petition = '${p.timed}'`,
      `UPDATE grants SET expire_time = ${row?.expire_time} WHERE petition = '${p.timed}'`,
      /expires never/,
    )
    await caught(
      p.indefinite,
      `UPDATE grants SET expire_time = 1 WHERE petition = '${p.indefinite}'`,
      `UPDATE grants SET expire_time = NULL WHERE petition = '${p.indefinite}'`,
      /says never/,
    )
  })

  it('finds a revocation cleared, or one without its access/revoke event', async () => {
    const [row] = await db()
      .selectFrom('grants')
      .select('revoke_time')
      .where('petition', '=', p.revoked)
      .execute()
    await caught(
      p.revoked,
      `UPDATE grants SET revoke_time = NULL WHERE petition = '${p.revoked}'`,
      `UPDATE grants SET revoke_time = ${row?.revoke_time} WHERE petition = '${p.revoked}'`,
      /is not revoked, but its access\/revoke event \(seq \d+\)/,
    )
    const [expired] = await db()
      .selectFrom('grants')
      .select('revoke_time')
      .where('petition', '=', p.expired)
      .execute()
    await caught(
      p.expired,
      `UPDATE grants SET revoke_time = revoke_time + 1 WHERE petition = '${p.expired}'`,
      `UPDATE grants SET revoke_time = ${expired?.revoke_time} WHERE petition = '${p.expired}'`,
      /revoked at/,
    )
    await caught(
      p.timed,
      `UPDATE grants SET revoke_time = 5 WHERE petition = '${p.timed}'`,
      `UPDATE grants SET revoke_time = NULL WHERE petition = '${p.timed}'`,
      /no access\/revoke event/,
    )
  })

  it('finds a grant row added (to a petition with grants, or to one without) and a row deleted', async () => {
    const copy = (petition: string, id: string) =>
      `INSERT INTO grants (space_id, id, petition, petitioner_key, resource_key, petitioner, resource, start_time)
       SELECT space_id, '${id}', '${petition}', petitioner_key, resource_key, petitioner, resource, start_time
       FROM grants WHERE petition = '${p.timed}'`
    await caught(
      p.timed,
      copy(p.timed, 'grt_forged'),
      `DELETE FROM grants WHERE id = 'grt_forged'`,
      /grt_forged .* no access\/grant event/,
    )
    await caught(
      p.open,
      copy(p.open, 'grt_planted'),
      `DELETE FROM grants WHERE id = 'grt_planted'`,
      /grt_planted/,
    )

    const [gone] = await db()
      .selectFrom('grants')
      .selectAll()
      .where('petition', '=', p.pair)
      .orderBy('id')
      .limit(1)
      .execute()
    if (!gone) throw new Error('no grant')
    await sql`DELETE FROM grants WHERE id = ${gone.id}`.execute(db())
    const r = await verify()
    expect(r).toMatchObject({ ok: false, petition: p.pair })
    expect(r.ok ? '' : r.problem).toMatch(/access\/grant event \(seq \d+\) .* has no row in grants/)
    await db().insertInto('grants').values(gone).execute()
    expect(await verify()).toMatchObject({ ok: true })
  })

  it("finds a grant moved to another petitioner: the approval check reads the row's keys", async () => {
    await caught(
      p.timed,
      `UPDATE grants SET petitioner_key = 'user/mallory@example.com' WHERE petition = '${p.timed}'`,
      `UPDATE grants SET petitioner_key = 'user/alice@example.com' WHERE petition = '${p.timed}'`,
      /user\/mallory@example\.com/,
    )
  })
})
