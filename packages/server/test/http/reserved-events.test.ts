import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, spaceId } from './support.js'

describe.each(ENGINES)('reserved event names after Unicode normalization on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const write = (event: string) =>
    s.call('POST', '/v1/spaces/default/events:write', { body: { events: [{ event }] } })

  it.each([
    ['a zero-width space in front', '\u200baccess/grant'],
    ['a zero-width space inside', 'acc\u200bess/grant'],
    ['a byte-order mark', '\ufeffaccess/grant'],
    ['a right-to-left mark', '\u200faccess/approve'],
    ['a soft hyphen', 'ac\u00adcess/grant'],
    ['a variation selector', 'a\ufe0fccess/grant'],
    ['fullwidth letters', 'ａｃｃｅｓｓ/grant'],
    ['a fullwidth slash', 'access／grant'],
    ['fullwidth capitals', 'ＴＯＫＥＮ/create'],
    ['mathematical bold letters', '𝐚𝐮𝐭𝐡/signIn'],
  ])('%s is refused like the plain name, and writes nothing', async (_what, event) => {
    const id = await spaceId(s, 'default')
    const head = await s.rt.store.audit.head(id)
    await expectError(await write(event), 400, 'INVALID_ARGUMENT', 'events.0.event')
    expect(await s.rt.store.audit.head(id)).toEqual(head)
  })

  it.each([
    'webhook/decision/failed',
    'webhook/delivery/retry',
    'policy/create',
    'auditInput/create',
    'rule/delete',
  ])('the OpenIndent event family of %s is refused too', async (event) => {
    await expectError(await write(event), 400, 'INVALID_ARGUMENT', 'events.0.event')
  })

  it('names that merely look unusual, but are not reserved, are still accepted', async () => {
    for (const event of ['app/ａｃｃｅｓｓ-report', 'café/opened', 'x/access/grant']) {
      expect((await write(event)).status).toBe(200)
    }
  })
})
