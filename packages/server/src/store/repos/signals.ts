import { type Kysely, sql } from 'kysely'
import type { ReviewSignalReads } from '../../domain/petitions/ports.js'
import type { Database } from '../schema.js'

/** The lookups behind a reviewer's signals: by the keys petitions and grants are indexed by. */
export class SignalRepo implements ReviewSignalReads {
  constructor(private readonly db: Kysely<Database>) {}

  async askedBefore(
    spaceId: string,
    asks: readonly { petitioner: string; target: string; except: string; before: number }[],
  ): Promise<Set<number>> {
    // The asks as one table of values, each looked up by the subjects' key: the target's petitions
    // (usually few), each checked for the petitioner by primary key.
    const rows = asks.map(
      (a, i) => sql`(${sql.lit(i)}, ${a.petitioner}, ${a.target}, ${a.except}, cast(${a.before} as bigint))`,
    )
    const { rows: found } = await sql<{
      i: number | string
    }>`with asks (i, petitioner, target, except_name, before_time)
      as (values ${sql.join(rows, sql`, `)})
      select asks.i from asks where exists (select 1 from petition_subjects t
        join petition_subjects s on s.space_id = t.space_id and s.role = 'petitioner'
          and s.subject = asks.petitioner and s.petition = t.petition
        where t.space_id = ${spaceId} and t.role = 'resource' and t.subject = asks.target
          and t.petition <> asks.except_name and t.create_time < asks.before_time)`.execute(this.db)
    return new Set(found.map((r) => Number(r.i)))
  }

  async grantsHeld(
    spaceId: string,
    petitioners: readonly string[],
    now: number,
  ): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('grants')
      .select((eb) => ['petitioner_key', eb.fn.countAll<number | string>().as('n')])
      .where('space_id', '=', spaceId)
      .where('petitioner_key', 'in', [...petitioners])
      .where('revoke_time', 'is', null)
      .where((eb) => eb.or([eb('expire_time', 'is', null), eb('expire_time', '>', now)]))
      .groupBy('petitioner_key')
      .execute()
    return new Map(rows.map((r) => [r.petitioner_key, Number(r.n)]))
  }
}
