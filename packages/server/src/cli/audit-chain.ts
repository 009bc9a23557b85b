import type { Command } from 'commander'
import { INSTANCE_CHAIN } from '../domain/audit/chains.js'
import { invalid } from '../domain/errors.js'
import type { Runtime } from '../runtime.js'
import { cliAccess } from './context.js'

/** Which log an audit command reads: a space's (`--space`) or the instance's (`--instance`). */
export interface ChainFlags {
  space?: string
  instance?: boolean
}

export interface ChainChoice {
  chain: string
  /** The space's name; none for the instance log. */
  space?: string
}

export function addChainFlags(cmd: Command): Command {
  return cmd
    .option('--space <name>', 'the log of this space (default: env OPENINDENT_SPACE, else "default")')
    .option('--instance', 'the instance log: spaces created and deleted')
}

/** Refuses both flags at once, before the database is opened; neither means the configured space. */
export function checkChainFlags(o: ChainFlags): void {
  if (o.space !== undefined && o.instance === true)
    throw invalid('name one log: --space NAME or --instance, not both')
}

export async function chainFor(rt: Runtime, o: ChainFlags): Promise<ChainChoice> {
  if (o.instance) return { chain: INSTANCE_CHAIN }
  // The space `serve` creates and the other host commands default to.
  const access = await cliAccess(rt, o.space ?? rt.config.space)
  return { chain: access.space.id, space: access.space.name }
}
