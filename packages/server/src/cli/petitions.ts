import type { Event, ListPetitionsParams, Petition } from '@openindent/api'
import { type EventResource, LABELS, OPENINDENT_LABELS, PHASES, type Phase } from '@openindent/contract'
import { type Command, Option } from 'commander'
import { type ApiFlags, apiClient, cell, oneOf, positiveGoDuration, withApiOptions } from './api-client.js'

interface ListOpts extends ApiFlags {
  phase?: Phase
  petitioner?: string
  resource?: string
  labelSelector?: string
  json?: boolean
}

interface ApproveOpts extends ApiFlags {
  duration?: string
  indefinite?: boolean
  reason?: string
}

interface DecisionOpts extends ApiFlags {
  reason?: string
}

const who = (r: EventResource): string => r.email ?? r.id ?? r.displayName ?? '?'
const what = (r: EventResource): string => (r.kind && r.id ? `${r.kind}/${r.id}` : (r.id ?? r.kind ?? '?'))

/**
 * When the access a petition granted ends: the earliest expiry among its grants still in force,
 * `indefinite` when none of them expires, empty when it grants nothing now.
 */
export function grantExpiry(p: Petition): string {
  const live = (p.state.grants ?? []).filter((g) => g.revokeTime === undefined)
  if (p.state.status.phase !== 'granted' || live.length === 0) return ''
  const times = live.flatMap((g) => (g.expireTime === undefined ? [] : [g.expireTime]))
  if (times.length === 0) return 'indefinite'
  return times.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b))
}

/** One tab-separated line: name, phase, petitioners, resources, reason, createTime, expires. */
export function petitionLine(p: Petition): string {
  return [
    p.name,
    p.state.status.phase,
    p.petitioners.map(who).join(','),
    p.resources.map(what).join(','),
    p.reason,
    p.meta.createTime,
    grantExpiry(p),
  ]
    .map(cell)
    .join('\t')
}

/** The duration an approval claim granted, as its labels record it: `2h0m0s`, or `indefinite`. */
function grantedFor(claim: Event): string | undefined {
  const labels = claim.meta?.labels ?? {}
  if (labels[LABELS.indefinite] === 'true') return 'indefinite'
  return labels[LABELS.duration]
}

/** ": 1 of 2 approvals, 1 more needed" while a petition waits for more approvals; empty once granted. */
function quorumNote(claim: Event): string {
  const labels = claim.meta?.labels ?? {}
  const have = Number(labels[OPENINDENT_LABELS.approvals])
  const need = Number(labels[OPENINDENT_LABELS.approvalsRequired])
  if (!(have < need)) return ''
  return `: ${have} of ${need} approvals, ${need - have} more needed before access is granted`
}

/**
 * `openindent petitions …`: review access requests through the HTTP API, as Indent's `access petitions`.
 * The reviewer is whoever the API token belongs to: a user access token acts as that user.
 */
export function registerPetitionCommands(program: Command): void {
  const petitions = program
    .command('petitions')
    .description('list, approve, deny, revoke and close petitions through the API')

  withApiOptions(petitions.command('list'))
    .description(
      'list petitions, newest first, as tab-separated lines (name, phase, petitioners, resources, reason, created, access expires) or JSON lines with --json',
    )
    .addOption(
      new Option('--phase <phase>', `only this phase: ${PHASES.join(', ')}`).argParser(oneOf(PHASES)),
    )
    .option('--petitioner <who>', "only this petitioner's id or email")
    .option('--resource <kind/id>', 'only petitions for this resource, e.g. customer/cus_123')
    .option('-l, --label-selector <selector>', 'only petitions whose labels match, e.g. "team=support"')
    .option('--json', 'one JSON object per line')
    .action(async (o: ListOpts) => {
      const api = apiClient(o)
      const params: ListPetitionsParams = {
        pageSize: 1000,
        ...(o.phase ? { phase: o.phase } : {}),
        ...(o.petitioner ? { petitioner: o.petitioner } : {}),
        ...(o.resource ? { resource: o.resource } : {}),
        ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
      }
      for await (const p of api.petition.listAll(params)) {
        process.stdout.write(o.json ? `${JSON.stringify(p)}\n` : `${petitionLine(p)}\n`)
      }
    })

  withApiOptions(petitions.command('approve <name>'))
    .description("approve a petition for a duration, indefinitely, or (by default) for its rule's default")
    .addOption(
      new Option('-d, --duration <duration>', 'grant for this Go duration, e.g. 2h or 90m').argParser(
        positiveGoDuration,
      ),
    )
    .addOption(
      new Option('--indefinite', 'grant until revoked (when the approval rule allows it)').conflicts(
        'duration',
      ),
    )
    .option('--reason <text>', 'reason recorded with the approval')
    .action(async (name: string, o: ApproveOpts) => {
      const claim = await apiClient(o).petition.approve({
        petitionName: name,
        ...(o.duration === undefined ? {} : { duration: o.duration }),
        ...(o.indefinite ? { indefinite: true } : {}),
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      })
      const granted = grantedFor(claim)
      process.stdout.write(`approved ${name}${quorumNote(claim)}${granted ? ` (${granted})` : ''}\n`)
    })

  withApiOptions(petitions.command('deny <name>'))
    .description('deny an open petition, which closes it')
    .option('--reason <text>', 'reason recorded with the denial')
    .action(async (name: string, o: DecisionOpts) => {
      await apiClient(o).petition.deny({
        petitionName: name,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      })
      process.stdout.write(`denied ${name}\n`)
    })

  withApiOptions(petitions.command('revoke <name>'))
    .description('revoke the access a petition granted')
    .option('--reason <text>', 'reason recorded with the revocation')
    .action(async (name: string, o: DecisionOpts) => {
      await apiClient(o).petition.revoke({
        petitionName: name,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      })
      process.stdout.write(`revoked ${name}\n`)
    })

  withApiOptions(petitions.command('close <name>'))
    .description('close a petition: cancel it while open, or end the access it granted')
    .action(async (name: string, o: ApiFlags) => {
      const closed = await apiClient(o).petition.close({ petitionName: name })
      process.stdout.write(`closed ${closed.name}\n`)
    })
}
