import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { addMember, filePetition, PageClient, phaseOf, upload } from './dashboard-support.js'

const ADMIN = 'admin@example.com'
const STAFF = 'staff@example.com'

describe.each(ENGINES)('dashboard requests, grants, resources, audit and settings on %s', (engine) => {
  let s: TestServer
  let admin: PageClient
  let staff: PageClient

  const phase = (name: string) => phaseOf(s, name)

  beforeAll(async () => {
    s = await startTestServer(engine)
    await addMember(s, STAFF, ['viewer'])
    await upload(s, [
      { kind: 'customer', id: 'cus_big', displayName: 'Big Co', labels: { plan: 'enterprise' } },
      { kind: 'customer', id: 'cus_small', displayName: 'Small Co', labels: { plan: 'free' } },
      { kind: 'project', id: 'prj_1', displayName: 'Project One', labels: { plan: 'enterprise' } },
    ])
    admin = new PageClient(s)
    await admin.signIn(ADMIN)
    staff = new PageClient(s)
    await staff.signIn(STAFF)
  })
  afterAll(() => s.close())

  it('shows my requests with their state; cancel one, ask again for it', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_small' }, 'mine')
    const html = await staff.page('/spaces/default/requests')
    expect(html).toContain('Small Co')
    expect(html).toContain('Cancel request')
    expect((await staff.post(`/spaces/default/petitions/${name}/close`)).status).toBe(303)
    expect(await staff.page('/spaces/default/requests')).toContain('closed: cancelled')
    const again = await staff.post(`/spaces/default/requests/${name}/again`)
    expect(again.status).toBe(303)
    const fresh = (again.headers.get('location') ?? '').split('/').pop() ?? ''
    expect(fresh).not.toBe(name)
    expect(await phase(fresh)).toBe('open')
    await admin.page('/spaces/default/inbox')
    await admin.post(`/spaces/default/petitions/${fresh}/deny`, { reason: 'cleanup' })
  })

  it('lists live grants soonest-ending first, filters them, and revokes one early', async () => {
    const long = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_big' }, 'long')
    const short = await filePetition(s, STAFF, { kind: 'project', id: 'prj_1' }, 'short')
    await admin.page('/spaces/default/inbox')
    await admin.post(`/spaces/default/petitions/${long}/approve`, { duration: '8h0m0s' })
    await admin.post(`/spaces/default/petitions/${short}/approve`, { duration: '30m0s' })
    const html = await admin.page('/spaces/default/grants')
    expect(html.indexOf('Project One')).toBeGreaterThan(-1)
    expect(html.indexOf('Project One')).toBeLessThan(html.indexOf('Big Co'))
    const filtered = await admin.page('/spaces/default/grants?resource=customer%2Fcus_big')
    expect(filtered).toContain('Big Co')
    expect(filtered).not.toContain('Project One')
    expect(await admin.page('/spaces/default/grants?petitioner=nobody%40example.com')).toContain(
      'No live grants match',
    )
    const res = await admin.post(`/spaces/default/petitions/${short}/revoke`, { reason: 'early' })
    expect(res.status).toBe(303)
    expect(await phase(short)).toBe('closed')
    expect(await admin.page('/spaces/default/grants')).not.toContain('Project One')
  })

  it('searches resources by kind and label selector', async () => {
    const html = await admin.page('/spaces/default/resources?kind=customer&labelSelector=plan%3Denterprise')
    expect(html).toContain('Big Co')
    expect(html).not.toContain('Small Co')
    expect(html).not.toContain('Project One')
    const bad = await admin.get('/spaces/default/resources?labelSelector=%3D%3D%3D')
    expect(bad.status).toBe(400)
  })

  it('links each resource to its grants and its petitions; a viewer sees only their own petitions', async () => {
    const mine = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_big' }, 'big again')
    const theirs = await filePetition(s, 'someone@example.com', { kind: 'customer', id: 'cus_big' }, 'theirs')
    const small = await filePetition(s, 'someone@example.com', { kind: 'customer', id: 'cus_small' }, 'other')
    const html = await admin.page('/spaces/default/resources?kind=customer')
    expect(html).toContain('href="/spaces/default/grants?resource=customer%2Fcus_big"')
    expect(html).toContain('href="/spaces/default/petitions?resource=customer%2Fcus_big"')
    const all = await admin.page('/spaces/default/petitions?resource=customer%2Fcus_big')
    expect(all).toContain(mine)
    expect(all).toContain(theirs)
    expect(all).not.toContain(small)
    const own = await staff.page('/spaces/default/petitions?resource=customer%2Fcus_big')
    expect(own).toContain(mine)
    expect(own).not.toContain(theirs)
    expect((await admin.get('/spaces/default/petitions?phase=nonsense')).status).toBe(400)
  })

  it('reads the audit log with filters and paging, exports NDJSON and CSV, verifies the chain; editors only', async () => {
    const html = await admin.page('/spaces/default/audit?event=access%2Fapprove')
    expect(html).toContain('access/approve')
    expect(html).not.toContain('<code>access/deny</code>')
    const paged = await admin.page('/spaces/default/audit?pageSize=2')
    expect(paged).toContain('Older events')
    const ndjson = await admin.get('/spaces/default/audit/export?format=ndjson&event=access%2Fapprove')
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = (await ndjson.text()).trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect((JSON.parse(line) as { event: string }).event).toBe('access/approve')
    const csv = await (await admin.get('/spaces/default/audit/export?format=csv')).text()
    expect(csv.split('\n')[0]).toBe('seq,timestamp,event,actor_kind,actor_id,resources,reason,hash')
    expect(await admin.page('/spaces/default/audit/verify')).toContain('Intact:')
    expect((await admin.get('/spaces/default/audit?startTime=yesterday')).status).toBe(400)
    expect((await staff.get('/spaces/default/audit')).status).toBe(403)
    expect((await staff.get('/spaces/default/audit/export?format=csv')).status).toBe(403)
  })

  it('manages rules with the validation of the API; viewers are refused', async () => {
    await admin.page('/spaces/default/settings')
    const impossible = await admin.post('/spaces/default/settings/rules', {
      name: 'nobody',
      kind: 'customer',
    })
    expect(impossible.status).toBe(400)
    const ok = await admin.post('/spaces/default/settings/rules', {
      name: 'enterprise',
      kind: 'customer',
      labelSelector: 'plan=enterprise',
      role: 'editor',
      minApprovals: '2',
      maxDuration: '4h',
    })
    expect(ok.status).toBe(303)
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_big' }, 'two eyes')
    expect(await admin.page('/spaces/default/inbox')).toContain('0 of 2 approvals')
    const page = await admin.page(`/spaces/default/petitions/${name}`)
    expect(page).toContain('value="4h0m0s"')
    expect(page).not.toContain('value="8h0m0s"')
    await admin.post(`/spaces/default/petitions/${name}/deny`, { reason: 'cleanup' })

    await staff.page('/spaces/default/inbox')
    expect((await staff.get('/spaces/default/settings')).status).toBe(403)
    expect((await staff.post('/spaces/default/settings/rules/delete', { name: 'enterprise' })).status).toBe(
      403,
    )
    await admin.page('/spaces/default/settings')
    expect((await admin.post('/spaces/default/settings/rules/delete', { name: 'enterprise' })).status).toBe(
      303,
    )
    expect(await admin.page('/spaces/default/settings')).not.toContain('<strong>enterprise</strong>')
  })

  it('pages the inbox by keyset: 25 a page, newest first, none twice, none the reviewer cannot decide', async () => {
    const names: string[] = []
    for (let i = 0; i < 27; i++) {
      names.push(await filePetition(s, STAFF, { kind: 'customer', id: `cus_page_${i}` }, `page ${i}`))
      s.clock.advance(1000)
    }
    // The reviewer's own request is not theirs to decide: never in their inbox.
    const own = await filePetition(s, ADMIN, { kind: 'customer', id: 'cus_page_own' }, 'own')
    const cards = (html: string) => [...html.matchAll(/<article id="petition-([0-9a-f]+)"/g)].map((m) => m[1])
    const first = await admin.page('/spaces/default/inbox')
    const one = cards(first)
    expect(one).toHaveLength(25)
    expect(one[0]).toBe(names[26])
    const next = /href="([^"]*inbox\?page=[^"]+)"/.exec(first)?.[1]?.replaceAll('&amp;', '&') ?? ''
    const two = cards(await admin.page(next))
    expect(two).toEqual(expect.arrayContaining([names[1], names[0]]))
    expect(new Set([...one, ...two]).size).toBe(one.length + two.length)
    expect([...one, ...two]).not.toContain(own)
    for (const name of [...names, own]) {
      await s.call('DELETE', `/v1/spaces/default/petitions/${name}`)
    }
  })

  it('adds a member with a role and removes them', async () => {
    await admin.page('/spaces/default/settings')
    const res = await admin.post('/spaces/default/settings/members', {
      email: 'New@Example.com',
      role: 'viewer',
    })
    expect(res.status).toBe(303)
    expect(await admin.page('/spaces/default/settings')).toContain('new@example.com')
    await admin.post('/spaces/default/settings/members/remove', { email: 'new@example.com' })
    expect(await admin.page('/spaces/default/settings')).not.toContain('new@example.com')
  })
})
