/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono'
import { mintUserToken } from '../../../domain/auth/mint.js'
import { hasRole } from '../../../domain/auth/principal.js'
import { USER_TOKEN_TTL_SECONDS } from '../../../domain/auth/sign-in.js'
import { listServiceAccounts } from '../../../domain/tokens/service-accounts.js'
import { createToken, listTokens, revokeToken } from '../../../domain/tokens/tokens.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { iso } from '../format.js'
import { CsrfField, Layout, type Viewer, When } from '../layout.js'
import { viewerOf } from '../viewer.js'

/** A token just made: shown on this one response, never stored in the clear. */
interface Fresh {
  label: string
  token: string
  expiresAt?: number
}

function ExportLines({ fresh, apiUrl, space }: { fresh: Fresh; apiUrl: string; space: string }) {
  return (
    <article aria-labelledby="fresh-token">
      <h2 id="fresh-token">{fresh.label}</h2>
      <p>
        Shown only this once: copy it now.{' '}
        {fresh.expiresAt ? (
          <>
            It expires at <time datetime={iso(fresh.expiresAt)}>{iso(fresh.expiresAt)}</time>.
          </>
        ) : (
          'It does not expire.'
        )}{' '}
        Calls made with it appear in the audit log as you.
      </p>
      <pre class="secret" id="export-lines">
        {`export INDENT_API_URL=${apiUrl}\nexport INDENT_SPACE=${space}\nexport INDENT_API_TOKEN=${fresh.token}`}
      </pre>
      <button type="button" data-copy="export-lines">
        Copy
      </button>
    </article>
  )
}

async function ServiceAccounts({ deps, c, viewer }: { deps: AppDeps; c: Context<DashEnv>; viewer: Viewer }) {
  const access = c.get('access')
  const [{ items: accounts }, { items: tokens }] = await Promise.all([
    listServiceAccounts(deps, access, { pageSize: 100 }),
    listTokens(deps, access, { pageSize: 100 }),
  ])
  const base = `/spaces/${encodeURIComponent(access.space.name)}/keys`
  return (
    <section aria-labelledby="sa-heading">
      <h2 id="sa-heading">Service accounts</h2>
      {accounts.map((sa) => (
        <article>
          <h3>
            {sa.displayName ?? sa.name} <small>{sa.name}</small>
          </h3>
          <p>Roles: {sa.roles.join(', ')}</p>
          <ul>
            {tokens
              .filter((t) => t.serviceAccount.id === sa.id)
              .map((t) => (
                <li>
                  <code>{t.id}</code> {t.displayName ?? ''} made <When at={t.createTime} now={viewer.now} />
                  {t.expireTime ? (
                    <>
                      , expires <When at={t.expireTime} now={viewer.now} />
                    </>
                  ) : null}
                  <form method="post" action={`${base}/tokens/${encodeURIComponent(t.id)}/revoke`}>
                    <CsrfField viewer={viewer} />
                    <button type="submit" aria-label={`Revoke token ${t.id}`}>
                      Revoke
                    </button>
                  </form>
                </li>
              ))}
          </ul>
          <form method="post" action={`${base}/service-accounts/${encodeURIComponent(sa.name)}/tokens`}>
            <CsrfField viewer={viewer} />
            <button type="submit">Create a token for {sa.name}</button>
          </form>
        </article>
      ))}
    </section>
  )
}

export function mountKeys(app: Hono<DashEnv>, deps: AppDeps): void {
  const apiUrl = (c: Context) => `${deps.options.publicUrl ?? new URL(c.req.url).origin}/v1`
  const page = (c: Context<DashEnv>, fresh?: Fresh) => {
    const viewer = viewerOf(c, deps.clock.now())
    const access = c.get('access')
    const base = `/spaces/${encodeURIComponent(access.space.name)}/keys`
    return (
      <Layout title="API keys" viewer={viewer}>
        <h1>API keys</h1>
        <dl class="facts">
          <dt>Signed in as</dt>
          <dd>{c.get('user').email}</dd>
          <dt>Space</dt>
          <dd>{access.space.name}</dd>
          <dt>Roles</dt>
          <dd>{access.roles.join(', ')}</dd>
        </dl>
        {fresh ? <ExportLines fresh={fresh} apiUrl={apiUrl(c)} space={access.space.name} /> : null}
        <form method="post" action={`${base}/user-token`}>
          <CsrfField viewer={viewer} />
          <p>A short-lived access token for the SDK and the CLI, acting as you.</p>
          <button type="submit">Create access token</button>
        </form>
        {hasRole(access.roles, 'editor') ? <ServiceAccounts deps={deps} c={c} viewer={viewer} /> : null}
      </Layout>
    )
  }
  app.get('/spaces/:space/keys', (c) => c.html(page(c)))
  app.post('/spaces/:space/keys/user-token', async (c) => {
    const ttl = Math.min(USER_TOKEN_TTL_SECONDS, deps.signer.maxLifetimeSeconds)
    const token = await mintUserToken(deps, deps.signer, c.get('access'), c.get('user'), ttl)
    const expiresAt = deps.clock.now() + ttl * 1000
    return c.html(page(c, { label: 'Your access token', token, expiresAt }))
  })
  app.post('/spaces/:space/keys/service-accounts/:account/tokens', async (c) => {
    const { token, secret } = await createToken(deps, c.get('access'), {
      serviceAccount: c.req.param('account'),
      displayName: 'dashboard',
    })
    return c.html(
      page(c, {
        label: `Token for ${token.serviceAccount.name}`,
        token: secret,
        ...(token.expireTime ? { expiresAt: token.expireTime } : {}),
      }),
    )
  })
  app.post('/spaces/:space/keys/tokens/:token/revoke', async (c) => {
    await revokeToken(deps, c.get('access'), c.req.param('token'))
    return c.redirect(`/spaces/${encodeURIComponent(c.get('access').space.name)}/keys`, 303)
  })
}
