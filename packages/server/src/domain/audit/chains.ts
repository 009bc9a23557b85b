/**
 * The instance's own chain: events about spaces themselves (created, deleted), which must outlive any
 * one space. It shares the tables of the space chains under this id, which no space can have: space
 * ids are generated (`spc_…`) and names are lower-case letters, digits and dashes, so nothing a space
 * is called starts with an underscore.
 */
export const INSTANCE_CHAIN = '_instance'

/** Chain ids starting with `_` are the instance's; a space must never be named or numbered so. */
export function isReservedChainId(value: string): boolean {
  return value.startsWith('_')
}
