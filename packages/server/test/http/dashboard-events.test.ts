import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { addMember, filePetition, PageClient } from './dashboard-support.js'

const ADMIN = 'admin@example.com'
const STAFF = 'staff@example.com'
const OTHER = 'other@example.com'

/** Reads a page's server-sent events as they come: `next()` gives the next event's name and data. */
async function listen(browser: PageClient, path: string) {
  const res = await browser.request('GET', path, undefined, { accept: 'text/event-stream' })
  expect(res.status).toBe(200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    async next(): Promise<{ event: string; data: string }> {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: ?(.*)$/m.exec(block)?.[1]
          if (event === undefined) continue
          return { event, data: /^data: ?(.*)$/m.exec(block)?.[1] ?? '' }
        }
        const { value, done } = await reader.read()
        if (done) throw new Error('the stream ended')
        buffer += decoder.decode(value, { stream: true })
      }
    },
    close() {
      void reader.cancel()
    },
  }
}

describe.each(ENGINES)('the dashboard event stream on %s', (engine) => {
  let s: TestServer
  let staff: PageClient
  let admin: PageClient

  beforeAll(async () => {
    s = await startTestServer(engine)
    await addMember(s, STAFF, ['viewer'])
    await addMember(s, OTHER, ['viewer'])
    staff = new PageClient(s)
    await staff.signIn(STAFF)
    admin = new PageClient(s)
    await admin.signIn(ADMIN)
  })
  afterAll(() => s.close())

  it("tells a member only of petitions they may see, never others' names", async () => {
    const mine = await listen(staff, '/spaces/default/events')
    const all = await listen(admin, '/spaces/default/events')
    try {
      expect((await mine.next()).event).toBe('ready')
      expect((await all.next()).event).toBe('ready')
      // Filed first: the staff member is neither its petitioner nor a reviewer of the default rule.
      const hidden = await filePetition(s, OTHER, { kind: 'customer', id: 'cus_secret' })
      const own = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_mine' })
      // Events arrive in commit order: the first the member hears of is their own.
      expect(await mine.next()).toEqual({ event: 'petition', data: own })
      // An editor sees every petition, so hears of both.
      expect(await all.next()).toEqual({ event: 'petition', data: hidden })
      expect(await all.next()).toEqual({ event: 'petition', data: own })
    } finally {
      mine.close()
      all.close()
    }
  })

  it('ends the stream once the session is signed out', async () => {
    const browser = new PageClient(s)
    await browser.signIn(STAFF)
    const stream = await listen(browser, '/spaces/default/events')
    try {
      expect((await stream.next()).event).toBe('ready')
      expect((await browser.post('/signout')).status).toBe(303)
      await filePetition(s, STAFF, { kind: 'customer', id: 'cus_after' })
      await expect(stream.next()).rejects.toThrow('the stream ended')
    } finally {
      stream.close()
    }
  })
})
