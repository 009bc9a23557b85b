import { LABELS, parseDuration, parseGoDuration } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, userToken } from './support.js'

describe('Go durations are read exactly', () => {
  it.each([
    ['1h', 3_600_000],
    ['1.1s', 1100],
    ['0.3s', 300],
    ['1h2m3.5s', 3_723_500],
    ['.5s', 500],
    ['2562047h', 9_223_369_200_000],
  ])('%s is %d ms, whole', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms, whole: true })
  })

  it.each(['1ns', '1.5ms', '0.5ms', '1000001ns', '1.0000000001s'])(
    '%s is finer than a millisecond',
    (text) => {
      expect(parseDuration(text)?.whole).toBe(false)
    },
  )

  it("-1ns (until revoked) still parses, as a negative; past Go's int64 limit is no duration", () => {
    expect(parseGoDuration('-1ns')).toBeLessThan(0)
    expect(parseGoDuration('2562048h')).toBeUndefined()
    expect(parseGoDuration('9223372036854775808ns')).toBeUndefined()
  })
})

describe.each(ENGINES)('duration granularity on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default'
  const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

  beforeAll(async () => {
    s = await startTestServer(engine)
    const rule = await s.call('POST', `${base}/approvalRules`, {
      body: { name: 'forever', rule: { approvers: { role: 'editor' }, allowIndefinite: true, priority: 1 } },
    })
    expect(rule.status).toBe(201)
  })
  afterAll(() => s.close())

  async function openPetition(id: string): Promise<string> {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id }] },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }
  // Filed by the service account, approved by a person (four eyes).
  const approve = async (petition: string, duration: string) =>
    s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await userToken(s, s.boot.adminEmail),
      body: { claim: { event: 'access/approve', meta: { labels: { [LABELS.duration]: duration } } } },
    })

  it('a sub-millisecond claim duration is 400 on claim.meta.labels, and the petition stays open', async () => {
    const petition = await openPetition('cus_fine')
    const body = await expectError(
      await approve(petition, '1.5ms'),
      400,
      'INVALID_ARGUMENT',
      'claim.meta.labels',
    )
    expect(body.message).toMatch(/whole milliseconds/)
    const got = await s.call('GET', `${base}/petitions/${petition}`)
    expect(((await got.json()) as { state: { status: { phase: string } } }).state.status.phase).toBe('open')
  })

  it.each([
    ['duration', '2h'],
    ['expires', '2030-01-01T00:00:00Z'],
    ['indefinite', true],
  ])(
    'a duration put on the claim itself (%s) is 400 naming it, and the petition stays open',
    async (field, value) => {
      const petition = await openPetition(`cus_misplaced_${field}`)
      const body = await expectError(
        await s.call('POST', `${base}/petitions/${petition}/claims`, {
          token: await userToken(s, s.boot.adminEmail),
          body: { claim: { event: 'access/approve', [field]: value } },
        }),
        400,
        'INVALID_ARGUMENT',
        `claim.${field}`,
      )
      expect(body.message).toContain(LABELS.duration)
      const got = await s.call('GET', `${base}/petitions/${petition}`)
      expect(((await got.json()) as { state: { status: { phase: string } } }).state.status.phase).toBe('open')
    },
  )

  it('-1ns still grants until revoked', async () => {
    const petition = await openPetition('cus_forever')
    const res = await approve(petition, '-1ns')
    expect(res.status).toBe(200)
    const claim = (await res.json()) as { meta?: { labels?: Record<string, string> } }
    expect(claim.meta?.labels?.[LABELS.indefinite]).toBe('true')
    const check = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'cus_forever' }] },
    })
    const answer = (await check.json()) as { status: string; expireTime?: string }
    expect(answer.status).toBe('granted')
    expect(answer.expireTime).toBeUndefined()
  })

  it('1.1s is exactly 1100 ms (no floating-point remainder reaches the database)', async () => {
    const petition = await openPetition('cus_exact')
    const res = await approve(petition, '1.1s')
    expect(res.status).toBe(200)
    const claim = (await res.json()) as { meta?: { labels?: Record<string, string> } }
    expect(claim.meta?.labels?.[LABELS.expires]).toBe(new Date(s.clock.now() + 1100).toISOString())
  })
})
