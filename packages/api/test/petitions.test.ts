import type { Event, Petition, PetitionResource } from '@openindent/contract'
import * as contract from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  BadRequestError,
  defaultPetitioners,
  formatGoDuration,
  type IndentAPI,
  IndentError,
  isPositiveDuration,
  isWaitSeconds,
  NotFoundError,
  parseGoDuration,
  tokenSubject,
} from '../src/index.js'
import { ENGINES, type LiveServer, recordingFetch, startLiveServer, unique } from './live-server.js'

const MINUTE = 60_000
const CLAIM_EVENTS = new Set<string>(contract.CLAIM_EVENTS)

const customer = (): PetitionResource => ({ kind: 'customer', id: unique('cus') })
const user = (): PetitionResource => {
  const email = `${unique('user')}@example.com`
  return { kind: 'user', id: email, email }
}

/** The approved grant's length, from the petition as the server answers it. */
function grantMs(petition: Petition): number | undefined {
  const grant = petition.state.grants?.[0]
  if (!grant?.expireTime) return undefined
  return Date.parse(grant.expireTime) - Date.parse(grant.startTime)
}

describe.each(ENGINES)('petitions and claims against the server on %s', (engine) => {
  let server: LiveServer
  /** The first-run service account: it petitions for anyone (it files; service accounts do not review). */
  let client: IndentAPI
  /** The first-run admin, with a user access token: the reviewer under the default rule. */
  let admin: IndentAPI

  beforeAll(async () => {
    server = await startLiveServer(engine)
    client = server.client()
    admin = server.client({ apiToken: server.adminToken })
  })
  afterAll(() => server.close())

  const open = (petitioners = [user()], resources = [customer()]) =>
    client.petition.create({ petitioners, resources })

  describe('petitions', () => {
    test('create stores the petition with the app-config label; an identical open one is returned again', async () => {
      const { fetch, sent } = recordingFetch()
      const recorded = server.client({ fetch })
      const petitioners = [user()]
      const resources = [customer()]
      const created = await recorded.petition.create(
        { petitioners, resources, reason: 'ticket 812', meta: { labels: { team: 'support' } } },
        { waitForReviewable: true },
      )
      expect(created).toMatchObject({ spaceName: 'default', petitioners, resources, reason: 'ticket 812' })
      expect(created.state.status.phase).toBe('open')
      expect(created.meta.labels).toEqual({ 'indent.com/app/config/id': 'space:default', team: 'support' })
      expect(await client.petition.get({ petitionName: created.name })).toEqual(created)
      expect(sent[0]?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/)

      const again = await client.petition.create({ petitioners, resources, reason: 'once more' })
      expect(again.name).toBe(created.name)
    })

    test('without petitioners, a user access token asks for its own user; without resources, for a new approval', async () => {
      const first = await admin.petition.create({ reason: 'deploy' })
      const second = await admin.petition.create({ reason: 'deploy' })
      expect(first.petitioners).toMatchObject([{ kind: 'user', email: server.adminEmail }])
      expect(first.resources).toMatchObject([
        { kind: 'action', id: expect.stringMatching(/^approval\+.+/), displayName: 'Approval' },
      ])
      // Each synthetic approval is a distinct resource, so two generic approvals are two petitions.
      expect(second.name).not.toBe(first.name)
    })

    test('without petitioners, a service-account token throws IndentError and sends nothing', async () => {
      const { fetch, sent } = recordingFetch()
      const recorded = server.client({ fetch })
      await expect(recorded.petition.create({ resources: [customer()] })).rejects.toThrow(/petitioners/)
      await expect(recorded.petition.check({ resources: [customer()] })).rejects.toBeInstanceOf(IndentError)
      expect(sent).toHaveLength(0)
    })

    test('list filters by phase, petitioner, resource and label selector, newest first unless ascending', async () => {
      const petitioner = user()
      const [a, b, c] = [customer(), customer(), customer()]
      const create = (resources: PetitionResource[], team: string) =>
        client.petition.create({ petitioners: [petitioner], resources, meta: { labels: { team } } })
      const p1 = await create([a], 'one')
      const p2 = await create([b], 'two')
      const p3 = await create([a, c], 'two')
      await client.petition.close({ petitionName: p2.name })
      const names = async (params: Parameters<typeof client.petition.list>[0]) =>
        (await client.petition.list({ petitioner: petitioner.email, ...params })).petitions.map((p) => p.name)

      const newestFirst = await names({})
      expect([...newestFirst].sort()).toEqual([p1.name, p2.name, p3.name].sort())
      expect(await names({ ascending: true })).toEqual([...newestFirst].reverse())
      expect(await names({ phase: 'open', ascending: true })).toEqual([p1.name, p3.name])
      expect(await names({ phase: 'closed' })).toEqual([p2.name])
      expect(await names({ resource: `customer/${a.id}`, ascending: true })).toEqual([p1.name, p3.name])
      expect(await names({ labelSelector: 'team=two', ascending: true })).toEqual([p2.name, p3.name])
      const firstPage = await client.petition.list({ petitioner: petitioner.email, pageSize: 2 })
      expect(firstPage.petitions).toHaveLength(2)
      expect(firstPage.nextPageToken).toBeTruthy()
    })

    test('listAll follows nextPageToken to the last page, keeping the filters', async () => {
      const petitioner = user()
      const created: string[] = []
      for (let i = 0; i < 5; i++) created.push((await open([petitioner])).name)
      const { fetch, sent } = recordingFetch()
      const names: string[] = []
      for await (const p of server
        .client({ fetch })
        .petition.listAll({ petitioner: petitioner.id, pageSize: 2 }))
        names.push(p.name)
      expect(names.sort()).toEqual(created.sort())
      expect(sent).toHaveLength(3)
      for (const request of sent) expect(request.url.searchParams.get('petitioner')).toBe(petitioner.id)
    })

    test('close, update and delete each close an open petition; get of an unknown one is NotFoundError', async () => {
      const closed = { state: { status: { phase: 'closed' as const } } }
      const [p1, p2, p3] = [await open(), await open(), await open()]
      expect(
        (await client.petition.close({ petitionName: p1.name, spaceName: 'default' })).state.status.phase,
      ).toBe('closed')
      expect(
        (await client.petition.update({ petitionName: p2.name, petition: closed })).state.status.phase,
      ).toBe('closed')
      expect((await client.petition.delete({ petitionName: p3.name })).state.status.phase).toBe('closed')
      expect((await client.petition.get({ petitionName: p3.name })).state.status.phase).toBe('closed')
      await expect(client.petition.get({ petitionName: 'p-missing' })).rejects.toBeInstanceOf(NotFoundError)
    })
  })

  describe('claims', () => {
    test('approve grants for the duration asked, sent as a Go duration label', async () => {
      const [p1, p2, p3] = [await open(), await open(), await open()]
      const event = await admin.petition.approve({
        petitionName: p1.name,
        duration: '90m',
        reason: 'on call',
      })
      expect(event).toMatchObject({ event: 'access/approve', reason: 'on call' })
      expect(event.meta?.labels?.['indent.com/time/duration']).toBe('1h30m0s')
      await admin.petition.approve({ petitionName: p2.name, duration: 3 * 60 * MINUTE })
      await admin.petition.approve({ petitionName: p3.name })
      const granted = await Promise.all(
        [p1, p2, p3].map((p) => client.petition.get({ petitionName: p.name })),
      )
      expect(granted.map((p) => p.state.status.phase)).toEqual(['granted', 'granted', 'granted'])
      // Without a duration, the default rule's one hour.
      expect(granted.map(grantMs)).toEqual([90 * MINUTE, 180 * MINUTE, 60 * MINUTE])
    })

    test('indefinite is sent as its label, and the default rule refuses it with BadRequestError', async () => {
      const p = await open()
      const error = await admin.petition
        .approve({ petitionName: p.name, indefinite: true })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BadRequestError)
      expect((error as BadRequestError).param).toBe('claim.meta.labels')
      expect((await client.petition.get({ petitionName: p.name })).state.status.phase).toBe('open')
    })

    test('approve rejects a bad duration, or duration with indefinite, without sending', async () => {
      const { fetch, sent } = recordingFetch()
      const recorded = server.client({ fetch })
      for (const duration of ['soon', '', '-1ns', 0, -5, Number.NaN]) {
        await expect(recorded.petition.approve({ petitionName: 'p1', duration })).rejects.toThrow(/duration/)
      }
      await expect(
        recorded.petition.approve({ petitionName: 'p1', duration: '1h', indefinite: true }),
      ).rejects.toBeInstanceOf(IndentError)
      expect(sent).toHaveLength(0)
    })

    test('deny closes with its reason; revoke ends the grant; review posts any claim', async () => {
      const [denied, revoked, reviewed] = [await open(), await open(), await open()]
      const deny = await admin.petition.deny({ petitionName: denied.name, reason: 'not on call' })
      expect(deny).toMatchObject({ event: 'access/deny', reason: 'not on call' })
      expect((await client.petition.get({ petitionName: denied.name })).state.status.phase).toBe('closed')

      await admin.petition.approve({ petitionName: revoked.name })
      expect(await client.petition.revoke({ petitionName: revoked.name })).toMatchObject({
        event: 'access/revoke',
      })
      const after = await client.petition.get({ petitionName: revoked.name })
      expect(after.state.status.phase).toBe('closed')
      expect(after.state.outcome).toBe('revoked')
      expect(after.state.grants?.[0]?.revokeTime).toBeDefined()

      const claim = { event: 'access/deny' as const, reason: 'no' }
      expect(await admin.petition.review({ petitionName: reviewed.name, claim })).toMatchObject(claim)
    })

    test('claims.list answers the claims oldest first, and claims.get one of them', async () => {
      const p = await open()
      await admin.petition.approve({ petitionName: p.name, reason: 'first' })
      await client.petition.revoke({ petitionName: p.name, reason: 'second' })
      const { claims } = await client.petition.claims.list({ petitionName: p.name })
      expect(claims.map((c) => [c.event, c.reason])).toEqual([
        ['access/approve', 'first'],
        ['access/revoke', 'second'],
      ])
      const [approval] = claims
      const id = approval?.id ?? ''
      expect(await client.petition.claims.get({ petitionName: p.name, claimName: id })).toEqual(approval)
      await expect(
        client.petition.claims.get({ petitionName: p.name, claimName: 'missing' }),
      ).rejects.toBeInstanceOf(NotFoundError)
    })

    test("claims.list pages a petition's claims oldest first, pageSize at a time, with nextPageToken until the last page", async () => {
      // Three petitioners × two resources: approving makes six grants, and revoking, one claim per grant.
      const p = await open([user(), user(), user()], [customer(), customer()])
      await admin.petition.approve({ petitionName: p.name })
      await client.petition.revoke({ petitionName: p.name })
      const history = (await client.petition.get({ petitionName: p.name })).state.eventHistory
      const expected = history.filter((e) => CLAIM_EVENTS.has(e.event)).map((e) => e.id)
      expect(expected).toHaveLength(7)

      const pages: { claims: Event[]; nextPageToken?: string }[] = []
      let pageToken: string | undefined
      do {
        const page = await client.petition.claims.list({ petitionName: p.name, pageSize: 3, pageToken })
        pages.push(page)
        pageToken = page.nextPageToken
      } while (pageToken && pages.length < 10)
      expect(pages.map((page) => page.claims.length)).toEqual([3, 3, 1])
      expect(pages.map((page) => Boolean(page.nextPageToken))).toEqual([true, true, false])
      expect(pages.flatMap((page) => page.claims.map((c) => c.id))).toEqual(expected)
    })
  })

  describe('the approval check', () => {
    test('sends the duration as a Go duration and wait in seconds; the petition keeps reason and duration', async () => {
      const { fetch, sent } = recordingFetch()
      const resources = [customer()]
      const response = await server.client({ apiToken: server.adminToken, fetch }).petition.check({
        resources,
        reason: 'ticket 812',
        duration: 30 * MINUTE,
        wait: 0,
      })
      expect(response.status).toBe('waiting')
      expect(response.petition).toMatchObject({
        petitioners: [{ kind: 'user', email: server.adminEmail }],
        resources,
        reason: 'ticket 812',
        defaultDuration: '1800s',
      })
      expect(sent[0]?.body).toEqual({
        petitioners: [{ kind: 'user', email: server.adminEmail }],
        resources,
        reason: 'ticket 812',
        duration: '30m0s',
        wait: 0,
      })
    })

    test('a check that waits is answered by a decision taken during the wait', async () => {
      const request = { petitioners: [user()], resources: [customer()] }
      const { petition } = await client.petition.check({ ...request, wait: 0 })
      const started = Date.now()
      const waiting = client.petition.check({ ...request, wait: 20 })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await admin.petition.approve({ petitionName: petition.name })
      expect((await waiting).status).toBe('granted')
      expect(Date.now() - started).toBeLessThan(10_000)
    })

    test('a wait longer than the client timeout is not cut short', async () => {
      const request = { petitioners: [user()], resources: [customer()] }
      const impatient = server.client({ timeout: 200 })
      const started = Date.now()
      const answer = await impatient.petition.check({ ...request, wait: 1 }, { maxRetries: 0 })
      expect(answer.status).toBe('waiting')
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    })

    test('rejects a wait outside 0..30 seconds without sending', async () => {
      const { fetch, sent } = recordingFetch()
      const recorded = server.client({ fetch })
      const request = { petitioners: [user()], resources: [customer()] }
      for (const wait of [-1, 31, Number.POSITIVE_INFINITY]) {
        await expect(recorded.petition.check({ ...request, wait })).rejects.toThrow(/wait/)
      }
      expect(sent).toHaveLength(0)
    })
  })

  describe('waitFor', () => {
    test('resolves as soon as the petition is decided', async () => {
      const p = await open()
      const started = Date.now()
      const decided = client.petition.waitFor({ petitionName: p.name, timeout: 20_000 })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await admin.petition.deny({ petitionName: p.name })
      expect((await decided).state.status.phase).toBe('closed')
      expect(Date.now() - started).toBeLessThan(10_000)
    })

    test('asks for no more than the time left, and returns the open petition when it runs out', async () => {
      const p = await open()
      const { fetch, sent } = recordingFetch()
      const started = Date.now()
      const result = await server.client({ fetch }).petition.waitFor({ petitionName: p.name, timeout: 1000 })
      expect(result.state.status.phase).toBe('open')
      expect(Date.now() - started).toBeGreaterThanOrEqual(900)
      expect(sent.map((r) => r.body)).toEqual([{ wait: 1 }])
    })

    test('returns at once when the petition is already decided', async () => {
      const p = await open()
      await client.petition.close({ petitionName: p.name })
      const started = Date.now()
      const result = await client.petition.waitFor({ petitionName: p.name, timeout: 5000 })
      expect(result.state.status.phase).toBe('closed')
      expect(Date.now() - started).toBeLessThan(1000)
    })

    test('rejects a negative timeout without sending', async () => {
      const { fetch, sent } = recordingFetch()
      await expect(
        server.client({ fetch }).petition.waitFor({ petitionName: 'p1', timeout: -1 }),
      ).rejects.toBeInstanceOf(IndentError)
      expect(sent).toHaveLength(0)
    })
  })
})

describe('helpers', () => {
  function jwt(payload: Record<string, unknown>): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`
  }

  test('the SDK duration helpers agree with the contract', () => {
    for (const text of ['1h', '90m', '3h0m0s', '1.5h', '-1ns', '500ms', '1h2m3.5s', '0', 'x', '', '1d']) {
      expect(parseGoDuration(text), text).toBe(contract.parseGoDuration(text))
    }
    for (const ms of [0, 1, 999, 1000, 90_000, 3_600_000, 10_800_000, 5_400_500, -1]) {
      expect(formatGoDuration(ms), String(ms)).toBe(contract.formatGoDuration(ms))
    }
  })

  test('approvals share these checks: the default petitioners, the wait and the duration', () => {
    expect(defaultPetitioners(jwt({ sub: 'jane@example.com' }))).toEqual([
      { kind: 'user', email: 'jane@example.com' },
    ])
    expect(defaultPetitioners('oi_sa_0123456789abcdef')).toBeUndefined()
    expect(defaultPetitioners(jwt({ sub: 'openindent.v1.ServiceAccount/portal' }))).toBeUndefined()
    expect([0, 0.5, 30].every(isWaitSeconds)).toBe(true)
    expect([-1, 31, Number.NaN, Number.POSITIVE_INFINITY, '10'].some(isWaitSeconds)).toBe(false)
    expect(['1h', ' 90m ', 1, 3_600_000].every(isPositiveDuration)).toBe(true)
    const notPositive = ['-1ns', '0s', 'soon', '', 0, -5, Number.NaN, Number.POSITIVE_INFINITY, null]
    expect(notPositive.some(isPositiveDuration)).toBe(false)
  })

  test('tokenSubject reads sub from a JWT and nothing from other tokens', () => {
    expect(tokenSubject(jwt({ sub: 'jane@example.com' }))).toBe('jane@example.com')
    expect(tokenSubject(jwt({ sub: 'jöhn@example.com' }))).toBe('jöhn@example.com')
    expect(tokenSubject('oi_sa_0123456789abcdef')).toBeUndefined()
    expect(tokenSubject(jwt({ sub: 42 }))).toBeUndefined()
    expect(tokenSubject('a.!!!.c')).toBeUndefined()
    expect(tokenSubject(`x.${Buffer.from('not json').toString('base64url')}.y`)).toBeUndefined()
  })
})
