import { readFileSync } from 'node:fs'
import type { IndentAPI } from '@openindent/api'
import { Name, parseGoDuration } from '@openindent/contract'
import { type Command, Option } from 'commander'
import { z } from 'zod'
import { type PolicyCase, parsePolicySetFile, runCases } from '../domain/policies/cases.js'
import { type ApiFlags, apiClient, cell, oneOf, UsageError, withApiOptions } from './api-client.js'

interface WirePolicy {
  id: string
  mode: string
  effect: string
  duration?: string
  approvals?: number
  version: number
  text: string
}

const Labels = z.record(z.string(), z.string())
const CaseFile = z.strictObject({
  timeZone: z.string().optional(),
  cases: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        principal: z.strictObject({
          email: z.string().min(1),
          roles: z.array(z.string()).optional(),
          labels: Labels.optional(),
          openPetitions: z.number().int().min(0).optional(),
          hasGrant: z.boolean().optional(),
        }),
        resources: z
          .array(
            z.strictObject({ kind: z.string().min(1), id: z.string().min(1), labels: Labels.optional() }),
          )
          .min(1),
        reason: z.string().optional(),
        duration: z.string().optional(),
        time: z.string().optional(),
        expect: z.enum(['permit', 'forbid', 'none']),
        policies: z.array(z.string()).optional(),
        approvals: z.number().int().min(0).optional(),
      }),
    )
    .min(1),
})

function policyId(value: string): string {
  if (!Name.safeParse(value).success) {
    throw new UsageError('a policy id is 1 to 63 lower-case letters, digits and dashes')
  }
  return value
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The case file, checked, with durations and times read (an hour by default, at noon UTC on 2026-01-01 by default). */
function readCases(path: string): { timeZone?: string; cases: PolicyCase[] } {
  let json: unknown
  try {
    json = JSON.parse(readText(path))
  } catch (err) {
    if (err instanceof UsageError) throw err
    throw new UsageError(`${path} is not JSON`)
  }
  const parsed = CaseFile.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UsageError(`${path}: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`)
  }
  const cases = parsed.data.cases.map((c, i): PolicyCase => {
    const durationMs = c.duration === undefined ? 3_600_000 : parseGoDuration(c.duration)
    if (durationMs === undefined || durationMs <= 0)
      throw new UsageError(`cases.${i}.duration: a Go duration such as 1h`)
    const at = c.time === undefined ? Date.UTC(2026, 0, 1, 12) : Date.parse(c.time)
    if (Number.isNaN(at)) throw new UsageError(`cases.${i}.time: an RFC 3339 time`)
    const out: PolicyCase = {
      name: c.name,
      principal: c.principal,
      resources: c.resources,
      durationMs,
      at,
      expect: c.expect,
    }
    if (c.reason !== undefined) out.reason = c.reason
    if (c.policies !== undefined) out.policies = c.policies
    if (c.approvals !== undefined) out.approvals = c.approvals
    return out
  })
  return { ...(parsed.data.timeZone ? { timeZone: parsed.data.timeZone } : {}), cases }
}

const policiesPath = (api: IndentAPI, id?: string) =>
  `/spaces/${encodeURIComponent(api.resolveSpace())}/policies${id === undefined ? '' : `/${encodeURIComponent(id)}`}`

/** `openindent policies …`: test a policy set file offline; list, put and delete a space's policies over the API. */
export function registerPolicyCommands(program: Command): void {
  const policies = program
    .command('policies')
    .description('test Cedar policies offline; list, put and delete them through the API')

  policies
    .command('test')
    .description(
      'run a file of cases (request and expected decision) against a policy set file; exits 1 on any mismatch',
    )
    .argument(
      '<cases>',
      'JSON file: { "timeZone"?, "cases": [{ name, principal, resources, reason?, duration?, time?, expect, policies? }] }',
    )
    .requiredOption(
      '-p, --policies <file>',
      'Cedar policy set file (ids from @id("…"), shadow with @mode("shadow"))',
    )
    .action((casesPath: string, o: { policies: string }) => {
      const { timeZone, cases } = readCases(casesPath)
      const set = parsePolicySetFile(readText(o.policies), timeZone)
      const results = runCases(set, cases)
      for (const r of results) {
        const approvals = r.approvals ? `, ${r.approvals} approvals` : ''
        const got = `${r.decision}${r.policies.length ? ` (${r.policies.join(', ')})` : ''}${approvals}`
        process.stdout.write(
          r.ok ? `PASS ${r.name}: ${got}\n` : `FAIL ${r.name}: expected ${r.expected}, got ${got}\n`,
        )
      }
      const failed = results.filter((r) => !r.ok).length
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`)
      if (failed > 0) process.exitCode = 1
    })

  withApiOptions(policies.command('list'))
    .description(
      "list the space's policies: id, mode, effect, @duration or @approvals, version; or JSON lines with --json",
    )
    .option('--json', 'one JSON object per line')
    .action(async (o: ApiFlags & { json?: boolean }) => {
      const api = apiClient(o)
      const page = await api.request<{ policies: WirePolicy[] }>({ method: 'GET', path: policiesPath(api) })
      for (const p of page.policies) {
        const extra = p.duration ? `duration=${p.duration}` : p.approvals ? `approvals=${p.approvals}` : ''
        process.stdout.write(
          o.json
            ? `${JSON.stringify(p)}\n`
            : `${[p.id, p.mode, p.effect, extra, p.version].map(cell).join('\t')}\n`,
        )
      }
    })

  withApiOptions(policies.command('put'))
    .description('create or replace one policy from a file holding one Cedar statement')
    .argument('<id>', 'policy id: lower-case letters, digits and dashes', policyId)
    .requiredOption('-f, --file <file>', 'Cedar text of the policy')
    .addOption(
      new Option(
        '--mode <mode>',
        'enforce (default) or shadow: evaluated and logged, not enforced',
      ).argParser(oneOf(['enforce', 'shadow'] as const)),
    )
    .option('--description <text>', 'shown in lists')
    .action(
      async (
        id: string,
        o: ApiFlags & { file: string; mode?: 'enforce' | 'shadow'; description?: string },
      ) => {
        const api = apiClient(o)
        const body = {
          text: readText(o.file),
          mode: o.mode ?? 'enforce',
          ...(o.description ? { description: o.description } : {}),
        }
        const { policies: existing } = await api.request<{ policies: WirePolicy[] }>({
          method: 'GET',
          path: policiesPath(api),
        })
        const stored = existing.some((p) => p.id === id)
          ? await api.request<WirePolicy>({ method: 'PUT', path: policiesPath(api, id), body })
          : await api.request<WirePolicy>({ method: 'POST', path: policiesPath(api), body: { id, ...body } })
        process.stdout.write(`put policy ${stored.id} (${stored.mode}), set version ${stored.version}\n`)
      },
    )

  withApiOptions(policies.command('delete'))
    .description('delete a policy')
    .argument('<id>', 'policy id', policyId)
    .action(async (id: string, o: ApiFlags) => {
      const api = apiClient(o)
      await api.request<unknown>({ method: 'DELETE', path: policiesPath(api, id) })
      process.stdout.write(`deleted policy ${id}\n`)
    })
}
