import {
  AuthenticationError,
  BadRequestError,
  type IndentAPI,
  NotFoundError,
  PermissionDeniedError,
  type PetitionResource,
} from '@openindent/api'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ENGINES,
  type LiveServer,
  recordingFetch,
  startLiveServer,
  unique,
} from '../../api/test/live-server.js'
import {
  ApprovalDeniedError,
  ApprovalError,
  ApprovalInvalidError,
  ApprovalUnauthorizedError,
  ApprovalWaitingError,
  approval,
  getErrorKind,
} from '../src/index.js'

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected the promise to reject')
}

/** The petition a rejected approval() names; it fails the test if there is none. */
async function pending(promise: Promise<unknown>): Promise<ApprovalWaitingError> {
  const err = await caught(promise)
  expect(err).toBeInstanceOf(ApprovalWaitingError)
  return err as ApprovalWaitingError
}

describe.each(ENGINES)('approval() against the server on %s', (engine) => {
  let server: LiveServer
  /** The first-run service account: it asks for anyone (it files; service accounts do not review). */
  let client: IndentAPI
  /** The first-run admin, with a user access token: the reviewer under the default rule. */
  let reviewer: IndentAPI

  beforeAll(async () => {
    server = await startLiveServer(engine)
    client = server.client()
    reviewer = server.client({ apiToken: server.adminToken })
  })
  afterAll(() => server.close())

  /** A request no other test makes, for a user who is not the reviewer. */
  function request(): { petitioners: PetitionResource[]; resources: PetitionResource[] } {
    const email = `${unique('user')}@example.com`
    return {
      petitioners: [{ kind: 'user', id: email, email }],
      resources: [{ kind: 'customer', id: unique('cus') }],
    }
  }

  describe('outcomes', () => {
    test('waiting throws ApprovalWaitingError with the open petition; once approved, the same call resolves', async () => {
      const asked = request()
      const err = await pending(approval({ ...asked, wait: 0 }, { client }))
      expect(err).toBeInstanceOf(ApprovalError)
      expect(getErrorKind(err)).toBe('waiting')
      expect(err.petition.state.status.phase).toBe('open')
      await reviewer.petition.approve({ petitionName: err.petition.name })
      const granted = await approval({ ...asked, wait: 0 }, { client })
      expect(granted.name).toBe(err.petition.name)
      expect(granted.state.status.phase).toBe('granted')
    })

    test("denied throws ApprovalDeniedError with the reviewer's reason", async () => {
      const asked = request()
      const { petition } = await pending(approval({ ...asked, wait: 0 }, { client }))
      await reviewer.petition.deny({ petitionName: petition.name, reason: 'not on call' })
      const err = await caught(approval(asked, { client }))
      expect(err).toBeInstanceOf(ApprovalDeniedError)
      expect(getErrorKind(err)).toBe('denied')
      expect((err as ApprovalDeniedError).reason).toBe('not on call')
      expect((err as ApprovalDeniedError).petition.name).toBe(petition.name)
      expect((err as Error).message).toContain('not on call')
    })

    test('by default it waits, and a decision taken meanwhile resolves it at once', async () => {
      const asked = request()
      const { petition } = await pending(approval({ ...asked, wait: 0 }, { client }))
      const started = Date.now()
      const waiting = approval(asked, { client })
      await new Promise((resolve) => setTimeout(resolve, 200))
      await reviewer.petition.approve({ petitionName: petition.name })
      expect((await waiting).name).toBe(petition.name)
      expect(Date.now() - started).toBeLessThan(5_000)
    })

    test('the guide step 4 code works unchanged', async () => {
      // The guide configures the kit through INDENT_* variables; here the same code gets the client.
      async function requestCustomerAccess(user: { id: string; email: string }, customerId: string) {
        try {
          await approval(
            {
              petitioners: [{ kind: 'user', id: user.id, email: user.email }],
              resources: [{ kind: 'customer', id: customerId }],
              wait: 0,
            },
            { client },
          )
          return { ok: true }
        } catch (err) {
          switch (getErrorKind(err)) {
            case 'waiting':
              return { ok: false, status: 'waiting' }
            case 'denied':
              return { ok: false, status: 'denied' }
          }
          return { ok: false, status: 'unknown' }
        }
      }
      const jane = { id: 'u-jane', email: `${unique('jane')}@example.com` }
      const [approved, denied] = [unique('cus'), unique('cus')]
      expect(await requestCustomerAccess(jane, approved)).toEqual({ ok: false, status: 'waiting' })
      expect(await requestCustomerAccess(jane, denied)).toEqual({ ok: false, status: 'waiting' })
      const petitionFor = async (customerId: string) =>
        (await client.petition.list({ resource: `customer/${customerId}` })).petitions[0]?.name ?? ''
      await reviewer.petition.approve({ petitionName: await petitionFor(approved) })
      await reviewer.petition.deny({ petitionName: await petitionFor(denied) })
      expect(await requestCustomerAccess(jane, approved)).toEqual({ ok: true })
      expect(await requestCustomerAccess(jane, denied)).toEqual({ ok: false, status: 'denied' })
    })
  })

  describe('the request', () => {
    test('reason and duration reach the petition, milliseconds as a Go duration', async () => {
      const first = await pending(
        approval({ ...request(), wait: 0, reason: 'ticket 812', duration: 90 * 60_000 }, { client }),
      )
      expect(first.petition.reason).toBe('ticket 812')
      expect(first.petition.defaultDuration).toBe('5400s')
      const second = await pending(approval({ ...request(), wait: 0, duration: '2h' }, { client }))
      expect(second.petition.defaultDuration).toBe('7200s')
    })

    test('without petitioners, a user access token asks for its own user', async () => {
      const user = server.client({ apiToken: server.adminToken })
      const err = await pending(approval({ resources: request().resources, wait: 0 }, { client: user }))
      expect(err.petition.petitioners).toMatchObject([{ kind: 'user', email: server.adminEmail }])
    })

    test('rejects bad arguments as invalid without sending', async () => {
      const { fetch, sent } = recordingFetch()
      const recorded = server.client({ fetch })
      const good = request()
      const bad: unknown[] = [
        { resources: [] },
        { petitioners: [], resources: good.resources },
        { ...good, wait: 31 },
        { ...good, wait: -1 },
        { ...good, wait: '10' },
        { ...good, duration: 'soon' },
        { ...good, duration: 0 },
        { ...good, reason: 42 },
        null,
        // A service-account token names no petitioner.
        { resources: good.resources },
      ]
      for (const input of bad) {
        const err = await caught(approval(input as Parameters<typeof approval>[0], { client: recorded }))
        expect(err, JSON.stringify(input)).toBeInstanceOf(ApprovalInvalidError)
        expect(getErrorKind(err)).toBe('invalid')
      }
      expect(sent).toHaveLength(0)
    })

    test('apiToken, spaceName and baseURL options configure a client for the call', async () => {
      const options = { apiToken: server.token, baseURL: server.baseURL }
      const err = await pending(approval({ ...request(), wait: 0 }, { ...options, spaceName: 'default' }))
      expect(err.petition.spaceName).toBe('default')
      const elsewhere = await caught(
        approval({ ...request(), wait: 0 }, { ...options, spaceName: 'elsewhere' }),
      )
      expect(getErrorKind(elsewhere)).toBe('invalid')
      expect((elsewhere as Error).cause).toBeInstanceOf(NotFoundError)
    })

    test('an aborted call is an ApprovalError of kind unknown', async () => {
      const err = await caught(approval(request(), { client, signal: AbortSignal.abort() }))
      expect(err).toBeInstanceOf(ApprovalError)
      expect(getErrorKind(err)).toBe('unknown')
    })
  })

  describe('failures the server answers', () => {
    /** Runs approval() through a recording client and checks the kind, the SDK cause, and one request. */
    async function fails(apiToken: string, asked: ReturnType<typeof request>, kind: string, Cause: unknown) {
      const { fetch, sent } = recordingFetch()
      const err = await caught(
        approval({ ...asked, wait: 0 }, { client: server.client({ apiToken, fetch }) }),
      )
      expect(getErrorKind(err)).toBe(kind)
      expect((err as Error).cause).toBeInstanceOf(Cause)
      // Client errors are not retried.
      expect(sent).toHaveLength(1)
      return err as ApprovalError
    }

    test('an unknown token is unauthorized (401)', async () => {
      const err = await fails('oi_sa_unknown', request(), 'unauthorized', AuthenticationError)
      expect(err).toBeInstanceOf(ApprovalUnauthorizedError)
      expect((err.cause as AuthenticationError).code).toBe('UNAUTHENTICATED')
    })

    test('a viewer asking for someone else is unauthorized (403)', async () => {
      const viewer = await server.serviceAccountToken(unique('viewer'), ['viewer'])
      const err = await fails(viewer, request(), 'unauthorized', PermissionDeniedError)
      expect(err).toBeInstanceOf(ApprovalUnauthorizedError)
    })

    test('a resource the server refuses is invalid (400), naming the field', async () => {
      const asked = { ...request(), resources: [{ kind: 'k'.repeat(300), id: 'x' }] }
      const err = await fails(server.token, asked, 'invalid', BadRequestError)
      expect(err).toBeInstanceOf(ApprovalInvalidError)
      expect((err.cause as BadRequestError).param).toBe('resources.0.kind')
    })
  })
})
