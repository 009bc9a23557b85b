import type { IndentAPI } from '@openindent/api'
import {
  emailProblem,
  type ListMembersResponse,
  type Member,
  normalizeEmailAddress,
  ROLES,
  type Role,
} from '@openindent/contract'
import type { Command } from 'commander'
import type { z } from 'zod'
import { type ApiFlags, apiClient, cell, oneOf, UsageError, withApiOptions } from './api-client.js'

interface RoleOpts extends ApiFlags {
  role: Role[]
  displayName?: string
}

/** A member's address, refused before anything is sent when the server would refuse it. */
function email(value: string): string {
  const address = normalizeEmailAddress(value)
  const problem = emailProblem(address)
  if (problem) throw new UsageError(`not an email address: it ${problem}`)
  return address
}

const role = oneOf(ROLES)
const roles = (value: string, previous: Role[] = []): Role[] => [...new Set([...previous, role(value)])]

function membersPath(api: IndentAPI, address?: string): string {
  const base = `/spaces/${encodeURIComponent(api.resolveSpace())}/members`
  return address === undefined ? base : `${base}/${encodeURIComponent(address)}`
}

/** One tab-separated line: email, roles (comma-separated), display name. */
export function memberLine(m: Member): string {
  return [m.email ?? m.id, m.roles.join(','), m.displayName].map(cell).join('\t')
}

async function* allMembers(api: IndentAPI): AsyncGenerator<Member> {
  let pageToken: string | undefined
  do {
    const page: z.infer<typeof ListMembersResponse> = await api.request({
      method: 'GET',
      path: membersPath(api),
      query: { pageSize: 1000, pageToken },
    })
    yield* page.members
    pageToken = page.nextPageToken || undefined
  } while (pageToken)
}

async function put(api: IndentAPI, address: string, o: RoleOpts): Promise<Member> {
  return api.request<Member>({
    method: 'PUT',
    path: membersPath(api, address),
    body: {
      member: { roles: o.role, ...(o.displayName === undefined ? {} : { displayName: o.displayName }) },
    },
  })
}

/**
 * `openindent members …`: who belongs to a space, through the HTTP API like `rules` and `petitions`.
 * Membership is space configuration that an editor changes: the API checks the caller's role and the
 * audit log names that caller, from any machine, where a host-side command would act as "the CLI"
 * with the database's credentials. (`token create --user --role` still adds a member on the host,
 * for the first user of a fresh install.)
 */
export function registerMemberCommands(program: Command): void {
  const members = program
    .command('members')
    .description('list, add and remove the users of a space and set their roles, through the API')

  withApiOptions(members.command('list'))
    .description(
      'list members as tab-separated lines (email, roles, display name), or JSON lines with --json',
    )
    .option('--json', 'one JSON object per line')
    .action(async (o: ApiFlags & { json?: boolean }) => {
      const api = apiClient(o)
      for await (const m of allMembers(api)) {
        process.stdout.write(o.json ? `${JSON.stringify(m)}\n` : `${memberLine(m)}\n`)
      }
    })

  withApiOptions(members.command('add'))
    .description('add a user (by email) to the space with these roles; an existing member gets them instead')
    .argument('<email>', 'the user', email)
    .requiredOption('--role <role>', `role: ${ROLES.join(', ')} (repeatable)`, roles)
    .option('--display-name <text>', 'name shown for the user')
    .action(async (address: string, o: RoleOpts) => {
      const m = await put(apiClient(o), address, o)
      process.stdout.write(`added ${m.email ?? address} (${m.roles.join(',')})\n`)
    })

  withApiOptions(members.command('set-role'))
    .description("replace an existing member's roles")
    .argument('<email>', 'the member', email)
    .requiredOption('--role <role>', `role: ${ROLES.join(', ')} (repeatable)`, roles)
    .action(async (address: string, o: RoleOpts, cmd: Command) => {
      const api = apiClient(o)
      let found = false
      for await (const m of allMembers(api)) if (m.email === address) found = true
      // PUT would add a stranger; set-role only changes someone who is already a member.
      if (!found) cmd.error(`error: ${address} is not a member of ${api.resolveSpace()}: use members add`)
      const m = await put(api, address, o)
      process.stdout.write(`set ${m.email ?? address} to ${m.roles.join(',')}\n`)
    })

  withApiOptions(members.command('remove'))
    .description('remove a user from the space')
    .argument('<email>', 'the member', email)
    .action(async (address: string, o: ApiFlags) => {
      const api = apiClient(o)
      await api.request<unknown>({ method: 'DELETE', path: membersPath(api, address) })
      process.stdout.write(`removed ${address}\n`)
    })
}
