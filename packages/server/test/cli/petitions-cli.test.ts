import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Event, IndentAPI, type Petition } from '@openindent/api'
import type { ApprovalRule } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from '../../../../test/support/server-process.js'
import type { Engine } from '../../src/store/schema.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))
const BUILT = [
  fileURLToPath(new URL('../../dist/cli/petitions.js', import.meta.url)),
  fileURLToPath(new URL('../../dist/cli/rules.js', import.meta.url)),
]
const STAFF = 'staff@example.com'
const REVIEWER = 'reviewer@example.com'
const HOURS_2 = 2 * 60 * 60 * 1000

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as a child process with exactly this environment. */
function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

const lines = (r: Run): string[] => r.stdout.split('\n').filter((l) => l !== '')
const cells = (r: Run, name: string): string[] | undefined =>
  lines(r)
    .map((l) => l.split('\t'))
    .find((c) => c[0] === name)

// The CLI only speaks HTTP, so the engine behind the server changes nothing it does; the HTTP suites
// cover both engines. Each CLI run is a full Node start-up (about a second), so this file stays on
// SQLite: ENGINES here would add ~15 s.
const CLI_ENGINES: Engine[] = ['sqlite']

describe.each(CLI_ENGINES)('openindent petitions and rules (the built CLI, over HTTP) on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  /** The bootstrap service account: opens petitions and reads them back. */
  let admin: IndentAPI
  let reviewerToken: string

  /** `openindent …` as the reviewer, configured only by INDENT_* variables. */
  const openindent = (...args: string[]) =>
    run(args, { INDENT_API_URL: server.apiUrl, INDENT_SPACE: 'default', INDENT_API_TOKEN: reviewerToken })

  /** Opens a petition for staff@example.com on one customer, as the Approval Kit would. */
  async function openPetition(customer: string): Promise<string> {
    const r = await admin.petition.check({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: customer }],
      wait: 0,
    })
    expect(r.status).toBe('waiting')
    expect(r.petition.state.status.phase).toBe('open')
    return r.petition.name
  }

  const check = (customer: string) =>
    admin.petition.check({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'customer', id: customer }],
      wait: 0,
    })
  const phaseOf = async (name: string) =>
    (await admin.petition.get({ petitionName: name })).state.status.phase

  beforeAll(async () => {
    for (const file of BUILT) {
      if (!existsSync(file)) throw new Error('the CLI is not built: run `npx tsc -b` first')
    }
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
    if (!server.token) throw new Error(`the server printed no bootstrap token:\n${server.output()}`)
    admin = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token })
    // The host CLI, beside the running server, against the same database.
    const minted = await run(
      ['token', 'create', '--space', 'default', '--user', REVIEWER, '--role', 'editor'],
      {
        OPENINDENT_DATA_DIR: db.dataDir,
        LOG_LEVEL: 'silent',
        ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      },
    )
    expect(minted.stderr).toBe('')
    expect(minted.code).toBe(0)
    reviewerToken = minted.stdout.trim()
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
  })

  it('petitions list: the open petition as a tab-separated line, filtered, or as JSON lines', async () => {
    const name = await openPetition('c1')
    const [all, filtered, granted] = await Promise.all([
      openindent('petitions', 'list'),
      openindent(
        'petitions',
        'list',
        '--phase',
        'open',
        '--petitioner',
        STAFF,
        '--resource',
        'customer/c1',
        '--json',
      ),
      openindent('petitions', 'list', '--phase', 'granted'),
    ])
    expect(all.stderr).toBe('')
    expect(all.code).toBe(0)
    const row = cells(all, name)
    expect(row?.slice(0, 5)).toEqual([name, 'open', STAFF, 'customer/c1', ''])
    expect(row).toHaveLength(7)
    expect(Date.parse(row?.[5] ?? '')).not.toBeNaN()
    // Nothing granted yet, so no expiry.
    expect(row?.[6]).toBe('')
    expect(filtered.code).toBe(0)
    const petitions = lines(filtered).map((l) => JSON.parse(l) as Petition)
    expect(petitions).toHaveLength(1)
    expect(petitions[0]).toMatchObject({
      name,
      state: { status: { phase: 'open' } },
      petitioners: [{ email: STAFF }],
      resources: [{ kind: 'customer', id: 'c1' }],
    })
    expect(granted).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('petitions approve --duration 2h: granted for two hours, by the user the token belongs to; then revoke', async () => {
    const name =
      (await admin.petition.list({ resource: 'customer/c1', phase: 'open' })).petitions[0]?.name ?? ''
    expect(name).not.toBe('')
    const before = Date.now()
    const approved = await openindent('petitions', 'approve', name, '--duration', '2h', '--reason', 'on call')
    const after = Date.now()
    expect(approved).toEqual({ code: 0, stdout: `approved ${name} (2h0m0s)\n`, stderr: '' })

    const granted = await check('c1')
    expect(granted.status).toBe('granted')
    expect(granted.petition.name).toBe(name)
    const expires = Date.parse(granted.expireTime ?? '')
    expect(expires).toBeGreaterThanOrEqual(before + HOURS_2 - 5000)
    expect(expires).toBeLessThanOrEqual(after + HOURS_2 + 5000)
    // The list says when the access ends: the grant's own expiry.
    const listed = await openindent('petitions', 'list', '--phase', 'granted')
    expect(cells(listed, name)?.[6]).toBe(granted.expireTime)
    const { claims } = await admin.petition.claims.list({ petitionName: name })
    expect(claims.find((c: Event) => c.event === 'access/approve')).toMatchObject({
      actor: { email: REVIEWER },
      reason: 'on call',
    })

    const revoked = await openindent('petitions', 'revoke', name, '--reason', 'ticket closed')
    expect(revoked).toEqual({ code: 0, stdout: `revoked ${name}\n`, stderr: '' })
    expect(await phaseOf(name)).toBe('closed')
    const after2 = (await admin.petition.claims.list({ petitionName: name })).claims
    expect(after2.find((c: Event) => c.event === 'access/revoke')).toMatchObject({
      actor: { email: REVIEWER },
      reason: 'ticket closed',
    })
  })

  it('petitions approve short of the quorum says how many approvals there are and how many are needed', async () => {
    await admin.request({
      method: 'POST',
      path: '/spaces/default/approvalRules',
      body: {
        name: 'two-reviewers',
        rule: { selector: { kind: 'vault' }, approvers: { role: 'editor' }, minApprovals: 2 },
      },
    })
    const r = await admin.petition.check({
      petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
      resources: [{ kind: 'vault', id: 'v1' }],
      wait: 0,
    })
    const approved = await openindent('petitions', 'approve', r.petition.name)
    expect(approved).toEqual({
      code: 0,
      stdout: `approved ${r.petition.name}: 1 of 2 approvals, 1 more needed before access is granted (1h0m0s)\n`,
      stderr: '',
    })
    expect(await phaseOf(r.petition.name)).toBe('open')
    await admin.request({ method: 'DELETE', path: '/spaces/default/approvalRules/two-reviewers' })
  })

  it("petitions deny and close; the server's refusals exit 1 with its message on stderr", async () => {
    const [toDeny, toClose] = [await openPetition('c2'), await openPetition('c3')]
    const [denied, closed, unknown] = await Promise.all([
      openindent('petitions', 'deny', toDeny, '--reason', 'not on call'),
      openindent('petitions', 'close', toClose),
      openindent('petitions', 'approve', 'no-such-petition', '--duration', '1h'),
    ])
    expect(denied).toEqual({ code: 0, stdout: `denied ${toDeny}\n`, stderr: '' })
    expect(closed).toEqual({ code: 0, stdout: `closed ${toClose}\n`, stderr: '' })
    expect(await phaseOf(toDeny)).toBe('closed')
    expect(await phaseOf(toClose)).toBe('closed')
    const answer = await check('c2')
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('not on call')
    expect(answer.petition.name).toBe(toDeny)

    expect(unknown.code).toBe(1)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toMatch(/^openindent: (404 )?petition "no-such-petition" not found\n$/)

    // A decided petition cannot be approved: the server's reason, on one line.
    const late = await openindent('petitions', 'approve', toDeny)
    expect(late.code).toBe(1)
    expect(late.stdout).toBe('')
    expect(late.stderr).toMatch(
      new RegExp(
        `^openindent: 409 petition ${toDeny} is closed \\(denied\\); only open petitions can be approved\n$`,
      ),
    )
  })

  it('rules create, list (text and JSON) and delete round trip', async () => {
    const create = () =>
      openindent(
        'rules',
        'create',
        'pro-customers',
        '--kind',
        'customer',
        '--label-selector',
        'plan=pro',
        '--approver',
        'alice@example.com',
        '--approver',
        'bob@example.com',
        '--approver-role',
        'petitionAdmin',
        '--min-approvals',
        '2',
        '--allow-self-approval',
        '--default-duration',
        '30m',
        '--max-duration',
        '8h',
        '--allow-indefinite',
        '--reason-required',
        '--priority',
        '10',
      )
    expect(await create()).toEqual({ code: 0, stdout: 'created rule pro-customers\n', stderr: '' })

    const [listed, json, again, unknown] = await Promise.all([
      openindent('rules', 'list'),
      openindent('rules', 'list', '--json'),
      create(),
      openindent('rules', 'delete', 'no-such-rule'),
    ])
    expect(listed.code).toBe(0)
    expect(cells(listed, 'pro-customers')).toEqual([
      'pro-customers',
      '10',
      'kind:customer labels:plan=pro',
      'alice@example.com,bob@example.com,role:petitionAdmin',
      '2',
      'default=30m max=8h indefinite',
    ])
    // Tried in order: the built-in catch-all comes last.
    expect(lines(listed).at(-1)?.split('\t')).toEqual([
      'default',
      '1000000',
      '*',
      'role:editor',
      '1',
      'default=1h max=24h',
    ])
    const rules = lines(json).map((l) => JSON.parse(l) as ApprovalRule)
    expect(rules.find((r) => r.name === 'pro-customers')).toMatchObject({
      selector: { kind: 'customer', labelSelector: 'plan=pro' },
      approvers: { users: ['alice@example.com', 'bob@example.com'], role: 'petitionAdmin' },
      minApprovals: 2,
      allowSelfApproval: true,
      defaultDuration: '30m',
      maxDuration: '8h',
      allowIndefinite: true,
      reasonRequired: true,
      priority: 10,
    })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^openindent: .*approval rule "pro-customers" already exists\n$/)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^openindent: .*approval rule "no-such-rule" not found\n$/)

    expect(await openindent('rules', 'delete', 'pro-customers')).toEqual({
      code: 0,
      stdout: 'deleted rule pro-customers\n',
      stderr: '',
    })
    expect(
      (
        await admin.request<{ approvalRules: ApprovalRule[] }>({
          method: 'GET',
          path: '/spaces/default/approvalRules',
        })
      ).approvalRules.map((r) => r.name),
    ).toEqual(['default'])
  })

  it('rules create: Slack channels and reviewers, escalation and the pending timeout', async () => {
    const created = await openindent(
      'rules',
      'create',
      'on-call',
      '--kind',
      'database',
      '--approver-role',
      'editor',
      '--slack-channel',
      '#access',
      '--slack-channel',
      '#db',
      '--slack-user',
      'dave@example.com',
      '--escalate-after',
      '30m',
      '--escalate-to',
      'lead@example.com',
      '--pending-timeout',
      '8h',
    )
    expect(created).toEqual({ code: 0, stdout: 'created rule on-call\n', stderr: '' })
    const json = await openindent('rules', 'list', '--json')
    const rule = lines(json)
      .map((l) => JSON.parse(l) as ApprovalRule)
      .find((r) => r.name === 'on-call')
    expect(rule).toMatchObject({
      notify: {
        slackChannels: ['#access', '#db'],
        slackUsers: ['dave@example.com'],
        escalateAfter: '30m',
        escalateTo: ['lead@example.com'],
      },
      pendingTimeout: '8h',
    })
    expect((await openindent('rules', 'delete', 'on-call')).code).toBe(0)
  })
})

describe('openindent petitions and rules: usage errors, refused before any request', () => {
  // Nothing listens here: had the CLI called out, it would fail with a connection error and exit 1.
  const offline = (...args: string[]) =>
    run(args, { INDENT_API_URL: 'http://127.0.0.1:9/v1', INDENT_SPACE: 'default', INDENT_API_TOKEN: 'x' })

  it('petitions approve: --duration with --indefinite, or a duration that is not one', async () => {
    const [both, bad] = await Promise.all([
      offline('petitions', 'approve', 'p1', '--duration', '2h', '--indefinite'),
      offline('petitions', 'approve', 'p1', '--duration', 'two hours'),
    ])
    expect(both.code).not.toBe(0)
    expect(both.stdout).toBe('')
    expect(both.stderr).toMatch(/^error: option '--indefinite' cannot be used with option '-d, --duration/)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--duration.*'two hours' is invalid.*positive Go duration/)
  })

  it('rules create: --min-approvals 0 and other bad flags exit 2 with the reason', async () => {
    const refusals: [string[], RegExp][] = [
      [
        ['--approver-role', 'editor', '--min-approvals', '0'],
        /--min-approvals.*'0' is invalid.*whole number from 1 to 10/,
      ],
      [['--approver-role', 'owner'], /--approver-role.*expected one of viewer, petitionAdmin, editor/],
      [['--approver', 'not-an-email'], /--approver.*expected an email address/],
      [
        ['--approver-role', 'editor', '--default-duration', '48h'],
        /default duration 48h is longer than the maximum 24h/,
      ],
      [['--approver-role', 'editor', '--label-selector', 'plan in (pro'], /--label-selector.*unbalanced/],
      [['--kind', 'customer'], /--approver EMAIL.*--approver-role ROLE/],
    ]
    const results = await Promise.all(
      refusals.map(([flags]) => offline('rules', 'create', 'strict', ...flags)),
    )
    results.forEach((r, i) => {
      const [flags, reason] = refusals[i] ?? [[], /./]
      expect({ flags, code: r.code, stdout: r.stdout }).toEqual({ flags, code: 2, stdout: '' })
      expect(r.stderr).toMatch(reason)
      expect(r.stderr).not.toMatch(/connect|fetch failed/i)
    })
  })
})
