import type { Event, Petition, Resource } from '@indent/types'

/**
 * How Indent's JavaScript SDK (`@indent/api` 0.1.0, no longer on npm) drives a server, reproduced from
 * its documented behaviour (docs/indent-reference.md §1.1) so the compatibility suite sends exactly
 * what it sends: its headers, its pretty-printed JSON, its retry rule, its defaults for
 * `petition.create` (the petitioner read from the token's JWT `sub`) and its three-poll `waitFor`.
 * This is a client for tests, not a stand-in for our server: every call goes to a real one.
 */
export interface IndentClientOptions {
  apiToken: string
  spaceName: string
  baseURL: string
  maxRetries?: number
}

export class IndentHTTPError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: { code?: string; message?: string; type?: string; param?: string } },
  ) {
    super(`${status} ${body.error?.message ?? JSON.stringify(body)}`)
  }
}

export class IndentLikeClient {
  /** Every HTTP attempt, retries included. */
  readonly attempts: { method: string; path: string; status: number; headers: Record<string, string> }[] = []

  constructor(private readonly o: IndentClientOptions) {}

  private headers(): Record<string, string> {
    return {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'User-Agent': 'IndentAPI/JS (alpha-v0.1.0)',
      'X-Indent-Lang': 'js',
      'X-Indent-Package-Version': '0.1.0',
      'X-Indent-OS': process.platform,
      'X-Indent-Arch': process.arch,
      'X-Indent-Runtime': 'node',
      'X-Indent-Runtime-Version': process.version,
      Authorization: `Bearer ${this.o.apiToken}`,
      'Indent-Space': this.o.spaceName,
    }
  }

  /** Indent's rule: retry network errors, 408, 409, 429 and 5xx, unless `x-should-retry` says otherwise. */
  private static shouldRetry(status: number, headers: Headers): boolean {
    const verdict = headers.get('x-should-retry')
    if (verdict === 'true') return true
    if (verdict === 'false') return false
    return status === 408 || status === 409 || status === 429 || status >= 500
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const maxRetries = this.o.maxRetries ?? 2
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.o.baseURL}${path}`, {
        method,
        headers: this.headers(),
        ...(body === undefined ? {} : { body: JSON.stringify(body, null, 2) }),
      })
      const text = await res.text()
      const sent: Record<string, string> = {}
      res.headers.forEach((v, k) => {
        sent[k] = v
      })
      this.attempts.push({ method, path, status: res.status, headers: sent })
      if (res.ok) return (text ? JSON.parse(text) : {}) as T
      if (attempt < maxRetries && IndentLikeClient.shouldRetry(res.status, res.headers)) {
        const retryAfter = Number(res.headers.get('retry-after'))
        const backoff =
          Number.isFinite(retryAfter) && retryAfter <= 60 ? retryAfter * 1000 : 500 * 2 ** attempt
        await new Promise((r) => setTimeout(r, Math.min(backoff, 8000)))
        continue
      }
      throw new IndentHTTPError(res.status, text ? JSON.parse(text) : {})
    }
  }

  private get space() {
    return `/spaces/${this.o.spaceName}`
  }

  /** Indent's SDK reads the petitioner from the API token: it must be a JWT. */
  private tokenSubject(): string {
    const payload = this.o.apiToken.split('.')[1]
    if (payload === undefined) throw new Error('apiToken is not a JWT')
    const claims = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { sub?: string }
    if (typeof claims.sub !== 'string') throw new Error('apiToken has no sub')
    return claims.sub
  }

  readonly resource = {
    list: () => this.request<{ resources: Resource[] }>('GET', `${this.space}/resources`),
    get: (p: { resourceName: string }) =>
      this.request<Resource>('GET', `${this.space}/resources/${p.resourceName}`),
    bulkUpdate: (p: { resources: Resource[] }) =>
      this.request<{ resources: Resource[] }>('POST', `${this.space}/resources:bulkUpdate`, p),
  }

  readonly petition = {
    list: () =>
      this.request<{ petitions: Petition[]; nextPageToken?: string }>('GET', `${this.space}/petitions`),
    get: (p: { petitionName: string }) =>
      this.request<Petition>('GET', `${this.space}/petitions/${p.petitionName}`),
    create: (p: Petition) => {
      // As Indent's SDK: the subject is read first, whether or not petitioners are given.
      const sub = this.tokenSubject()
      const petition: Petition = {
        ...p,
        petitioners: p.petitioners ?? [{ kind: 'user', email: sub }],
        resources: p.resources ?? [
          { kind: 'action', displayName: 'Approval', id: `approval+${Math.random().toString(36).slice(2)}` },
        ],
        meta: { labels: { 'indent.com/app/config/id': `space:${this.o.spaceName}` } },
      }
      return this.request<Petition>('POST', `${this.space}/petitions`, { petition })
    },
    review: (p: { petitionName: string; claim: Event }) =>
      this.request<Event>('POST', `${this.space}/petitions/${p.petitionName}/claims`, { claim: p.claim }),
    /** Polls at most three times, a second apart, and stops on `granted` or `closed`. */
    waitFor: async (p: { petitionName: string }) => {
      let last = await this.petition.get(p)
      for (let i = 0; i < 3; i++) {
        const phase = last.state?.status.phase as string | undefined
        if (phase === 'granted' || phase === 'closed') return last
        await new Promise((r) => setTimeout(r, 1000))
        last = await this.petition.get(p)
      }
      return last
    },
  }
}
