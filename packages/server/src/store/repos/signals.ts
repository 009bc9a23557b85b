import type { Kysely } from 'kysely'
import type { ReviewSignalReads } from '../../domain/petitions/ports.js'
import type { Database } from '../schema.js'

/** The lookups behind a reviewer's signals: by the keys petitions and grants are indexed by. */
export class SignalRepo implements ReviewSignalReads {
  constructor(private readonly db: Kysely<Database>) {}

  async askedBefore(
    spaceId: string,
    petitioner: string,
    target: string,
    except: string,
    before: number,
  ): Promise<boolean> {
    // The petitioner's petitions by the subjects' key, each checked for the target by the same key.
    const row = await this.db
      .selectFrom('petition_subjects as a')
      .innerJoin('petition_subjects as b', (j) =>
        j
          .onRef('b.space_id', '=', 'a.space_id')
          .onRef('b.petition', '=', 'a.petition')
          .on('b.role', '=', 'resource')
          .on('b.subject', '=', target),
      )
      .select('a.petition')
      .where('a.space_id', '=', spaceId)
      .where('a.role', '=', 'petitioner')
      .where('a.subject', '=', petitioner)
      .where('a.petition', '<>', except)
      .where('a.create_time', '<', before)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async grantsHeld(spaceId: string, petitioner: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('space_id', '=', spaceId)
      .where('petitioner_key', '=', petitioner)
      .where('revoke_time', 'is', null)
      .where((eb) => eb.or([eb('expire_time', 'is', null), eb('expire_time', '>', now)]))
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }
}
