import type { ListEventsQuery } from '@openindent/contract'
import { isInstanceAdmin, type Principal } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { denied } from '../errors.js'
import { INSTANCE_CHAIN } from './chains.js'
import { listChain, type RecordPage } from './query.js'

/**
 * Lists the instance log (spaces created and deleted), with the same filters and pages as a space's
 * log. Only instance administrators read it: it names every space, also those a reader cannot see.
 */
export async function listInstanceEvents(
  ctx: Ctx,
  principal: Principal,
  query: ListEventsQuery,
): Promise<RecordPage> {
  if (!isInstanceAdmin(principal))
    throw denied('only an instance administrator can read the instance audit log')
  return listChain(ctx, INSTANCE_CHAIN, query)
}
