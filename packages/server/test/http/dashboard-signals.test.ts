import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { addMember, filePetition, PageClient, upload } from './dashboard-support.js'
import { adminToken } from './support.js'

const ADMIN = 'admin@example.com'
const STAFF = 'staff@example.com'
const HOUR = 3_600_000

/**
 * A petition's page tells its reviewer what they would want to know before deciding: whether this is
 * the person's first request for the target, how many grants they hold now, and whether it was asked
 * outside working hours in the space's time zone.
 */
describe.each(ENGINES)('reviewer signals on the petition page, on %s', (engine) => {
  let s: TestServer
  let admin: PageClient

  /** The Signals section of a petition's page, as its text reads. */
  const signals = async (name: string) => {
    const html = await admin.page(`/spaces/default/petitions/${name}`)
    const section = /<section aria-label="Signals"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? ''
    return [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
      (m[1] ?? '')
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
  }
  const approve = async (name: string) => {
    const res = await s.call('POST', `/v1/spaces/default/petitions/${name}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(res.status, await res.clone().text()).toBe(200)
  }

  beforeAll(async () => {
    s = await startTestServer(engine)
    // Thursday 1 January 2026, 10:00 UTC: working hours in the default time zone (UTC).
    s.clock.advance(10 * HOUR)
    await addMember(s, STAFF, ['viewer'])
    await upload(s, [
      { kind: 'customer', id: 'cus_a', displayName: 'Alpha Co', labels: { plan: 'pro' } },
      { kind: 'customer', id: 'cus_b', displayName: 'Beta Co', labels: { plan: 'free' } },
    ])
    admin = new PageClient(s)
    await admin.signIn(ADMIN)
  })
  afterAll(() => s.close())

  it('a first request, no grants held, in working hours', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_a' })
    expect(await signals(name)).toEqual([
      `First request by ${STAFF} for Alpha Co`,
      `${STAFF} holds no grants now`,
    ])
    await approve(name)
  })

  it('counts the grants the person holds now, and knows a target asked for before', async () => {
    s.clock.advance(60_000)
    const other = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_b' })
    expect(await signals(other)).toEqual([
      `First request by ${STAFF} for Beta Co`,
      `${STAFF} holds 1 grant now`,
    ])
    s.clock.advance(60_000)
    const again = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_a' }, 'ticket 43')
    expect(await signals(again)).toEqual([`${STAFF} holds 1 grant now`])
  })

  it('shows the same signals in a few words on the inbox cards, read for the whole page at once', async () => {
    const html = await admin.page('/spaces/default/inbox')
    const cards = [...html.matchAll(/<article id="petition-([^"]+)"[\s\S]*?<\/article>/g)]
    const words = new Map(cards.map((m) => [m[1], /<dd class="signals">([^<]*)<\/dd>/.exec(m[0])?.[1] ?? '']))
    // Newest first: the repeat for Alpha Co (no longer a first request), then Beta Co's first.
    expect([...words.values()]).toEqual(['holds 1 grant now', 'first request · holds 1 grant now'])
  })

  it("flags a request asked outside working hours in the space's time zone", async () => {
    // 10:02 UTC is 19:02 in Tokyo: after hours there.
    const tz = await s.call('PUT', '/v1/spaces/default/policies:settings', {
      body: { timeZone: 'Asia/Tokyo' },
    })
    expect(tz.status, await tz.clone().text()).toBe(200)
    const late = await filePetition(s, 'late@example.com', { kind: 'customer', id: 'cus_b' })
    expect(await signals(late)).toEqual([
      'First request by late@example.com for Beta Co',
      'late@example.com holds no grants now',
      'Asked outside working hours: Thursday 19:02 (Asia/Tokyo)',
    ])
  })
})
