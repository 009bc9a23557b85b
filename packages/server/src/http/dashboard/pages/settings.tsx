/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { ApprovalRuleInput, Role } from '@openindent/contract'
import type { Context, Hono } from 'hono'
import { requireRole } from '../../../domain/auth/principal.js'
import { invalid } from '../../../domain/errors.js'
import { createRule, deleteRule, listRules, updateRule } from '../../../domain/rules/crud.js'
import { deleteMember, listMembers, putMember } from '../../../domain/spaces/members.js'
import { updateSpace } from '../../../domain/spaces/spaces.js'
import type { AppDeps } from '../../deps.js'
import { fromZod } from '../../errors.js'
import type { DashEnv } from '../env.js'
import { CsrfField, Layout, type Viewer } from '../layout.js'
import { viewerOf } from '../viewer.js'

const ROLES = ['viewer', 'petitionAdmin', 'editor'] as const

type Form = Record<string, string | File | (string | File)[]>
const text = (form: Form, key: string): string | undefined => {
  const v = form[key]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}
const list = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** The rule form as the API's request body, checked by the same schema and use case. */
function ruleFromForm(form: Form): ApprovalRuleInput {
  const users = list(text(form, 'users'))
  const accounts = list(text(form, 'serviceAccounts'))
  const role = text(form, 'role')
  const int = (k: string) => (text(form, k) === undefined ? undefined : Number(text(form, k)))
  const parsed = ApprovalRuleInput.safeParse({
    displayName: text(form, 'displayName'),
    selector: { kind: text(form, 'kind'), labelSelector: text(form, 'labelSelector') },
    approvers: {
      ...(users?.length ? { users } : {}),
      ...(role ? { role } : {}),
      ...(accounts?.length ? { serviceAccounts: accounts } : {}),
    },
    minApprovals: int('minApprovals'),
    defaultDuration: text(form, 'defaultDuration'),
    maxDuration: text(form, 'maxDuration'),
    allowSelfApproval: form.allowSelfApproval === 'on',
    allowIndefinite: form.allowIndefinite === 'on',
    reasonRequired: form.reasonRequired === 'on',
    priority: int('priority'),
  })
  if (!parsed.success) throw fromZod(parsed.error)
  return parsed.data
}

function RuleForm({ viewer, action }: { viewer: Viewer; action: string }) {
  const field = (name: string, label: string, hint?: string) => (
    <>
      <label for={`rule-${name}`}>{label}</label>
      <input id={`rule-${name}`} name={name} placeholder={hint} />
    </>
  )
  const box = (name: string, label: string) => (
    <label for={`rule-${name}`}>
      <input type="checkbox" id={`rule-${name}`} name={name} /> {label}
    </label>
  )
  return (
    <form method="post" action={action}>
      <CsrfField viewer={viewer} />
      {field('name', 'Name (an existing name replaces that rule)')}
      {field('displayName', 'Display name')}
      {field('kind', 'Resource kind', 'customer')}
      {field('labelSelector', 'Label selector', 'plan=enterprise')}
      {field('users', 'Approver emails, comma-separated')}
      <label for="rule-role">Approver role</label>
      <select id="rule-role" name="role">
        <option value="">none</option>
        {ROLES.map((r) => (
          <option value={r}>{r}</option>
        ))}
      </select>
      {field('serviceAccounts', 'Approving service accounts, comma-separated')}
      {field('minApprovals', 'Approvals needed', '1')}
      {field('defaultDuration', 'Default duration', '1h')}
      {field('maxDuration', 'Longest duration', '24h')}
      {field('priority', 'Priority (lower first)', '100')}
      {box('allowSelfApproval', 'Allow self-approval')}
      {box('allowIndefinite', 'Allow access until revoked')}
      {box('reasonRequired', 'Require a reason')}
      <button type="submit">Save rule</button>
    </form>
  )
}

export function mountSettings(app: Hono<DashEnv>, deps: AppDeps): void {
  const base = (c: Context<DashEnv>) => `/spaces/${encodeURIComponent(c.get('access').space.name)}/settings`
  const back = (c: Context<DashEnv>) => c.redirect(base(c), 303)

  app.get('/spaces/:space/settings', async (c) => {
    const access = c.get('access')
    requireRole(access, 'editor')
    const viewer = viewerOf(c, deps.clock.now())
    const [{ items: members }, rules] = await Promise.all([
      listMembers(deps, access, { pageSize: 200 }),
      listRules(deps, access),
    ])
    const b = base(c)
    return c.html(
      <Layout title="Settings" viewer={viewer}>
        <h1>Settings</h1>
        <section aria-labelledby="members-h">
          <h2 id="members-h">Members</h2>
          <ul>
            {members.map((m) => (
              <li>
                {m.user.email} <small>{m.roles.join(', ')}</small>
                <form method="post" action={`${b}/members/remove`}>
                  <CsrfField viewer={viewer} />
                  <input type="hidden" name="email" value={m.user.email} />
                  <button type="submit" aria-label={`Remove ${m.user.email}`}>
                    Remove
                  </button>
                </form>
              </li>
            ))}
          </ul>
          <form method="post" action={`${b}/members`}>
            <CsrfField viewer={viewer} />
            <label for="member-email">Email</label>
            <input id="member-email" name="email" type="email" required />
            <label for="member-role">Role</label>
            <select id="member-role" name="role">
              {ROLES.map((r) => (
                <option value={r}>{r}</option>
              ))}
            </select>
            <button type="submit">Add or set role</button>
          </form>
        </section>
        <section aria-labelledby="rules-h">
          <h2 id="rules-h">Approval rules</h2>
          <p>The first rule (by priority) whose selector matches a resource decides who reviews it.</p>
          <ul>
            {rules.map((r) => (
              <li>
                <strong>{r.name}</strong> {r.spec.displayName ? `(${r.spec.displayName})` : ''}: kind{' '}
                {r.spec.selector.kind ?? 'any'}, labels {r.spec.selector.labelSelector ?? 'any'}; approvers{' '}
                {[
                  ...(r.spec.approvers.users ?? []),
                  ...(r.spec.approvers.role ? [`role ${r.spec.approvers.role}`] : []),
                ].join(', ')}
                ; {r.spec.minApprovals} approval(s); {r.spec.defaultDuration} default, {r.spec.maxDuration} at
                most
                <form method="post" action={`${b}/rules/delete`}>
                  <CsrfField viewer={viewer} />
                  <input type="hidden" name="name" value={r.name} />
                  <button type="submit" aria-label={`Delete rule ${r.name}`}>
                    Delete
                  </button>
                </form>
              </li>
            ))}
          </ul>
          <RuleForm viewer={viewer} action={`${b}/rules`} />
        </section>
        <section aria-labelledby="space-h">
          <h2 id="space-h">Space</h2>
          <form method="post" action={`${b}/space`}>
            <CsrfField viewer={viewer} />
            <label for="space-display">Display name</label>
            <input id="space-display" name="displayName" value={access.space.displayName ?? ''} />
            <label for="space-known">
              <input
                type="checkbox"
                id="space-known"
                name="requireKnownResources"
                checked={access.space.settings.requireKnownResources}
              />{' '}
              Take requests only for uploaded resources
            </label>
            <button type="submit">Save space</button>
          </form>
        </section>
      </Layout>,
    )
  })

  app.post('/spaces/:space/settings/members', async (c) => {
    const form = await c.req.parseBody()
    const role = Role.safeParse(text(form, 'role'))
    if (!role.success) throw invalid('pick a role', 'role')
    await putMember(deps, c.get('access'), text(form, 'email') ?? '', { roles: [role.data] })
    return back(c)
  })
  app.post('/spaces/:space/settings/members/remove', async (c) => {
    await deleteMember(deps, c.get('access'), text(await c.req.parseBody(), 'email') ?? '')
    return back(c)
  })
  app.post('/spaces/:space/settings/rules', async (c) => {
    const form = await c.req.parseBody()
    const name = text(form, 'name')
    if (!name || name.length > 63) throw invalid('a rule needs a name of 1 to 63 characters', 'name')
    const spec = ruleFromForm(form)
    const access = c.get('access')
    // A new name creates a rule; a taken one replaces it (both validated and audited by the use cases).
    await createRule(deps, access, name, spec).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'ALREADY_EXISTS') throw err
      return updateRule(deps, access, name, spec)
    })
    return back(c)
  })
  app.post('/spaces/:space/settings/rules/delete', async (c) => {
    await deleteRule(deps, c.get('access'), text(await c.req.parseBody(), 'name') ?? '')
    return back(c)
  })
  app.post('/spaces/:space/settings/space', async (c) => {
    const form = await c.req.parseBody()
    await updateSpace(deps, c.get('access'), {
      displayName: text(form, 'displayName'),
      settings: { requireKnownResources: form.requireKnownResources === 'on' },
    })
    return back(c)
  })
}
