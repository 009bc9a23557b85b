import type { Kysely } from 'kysely'

/**
 * Phases follow Indent: a revoked or expired grant closes its petition. Petitions left in the old
 * `revoked` phase are closed; their outcome (`revoked`) already says why.
 */
export function indentPhases() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const petitions = db as Kysely<{ petitions: { phase: string } }>
      await petitions
        .updateTable('petitions')
        .set({ phase: 'closed' })
        .where('phase', '=', 'revoked')
        .execute()
    },
  }
}
