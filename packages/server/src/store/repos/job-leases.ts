import type { Kysely } from 'kysely'
import type { JobLeaseRepository } from '../../domain/webhooks/ports.js'
import type { Database } from '../schema.js'

export class JobLeaseRepo implements JobLeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** One statement on both engines: inserted, or taken over only once the holder's lease ran out. */
  async take(name: string, owner: string, now: number, until: number): Promise<boolean> {
    const row = await this.db
      .insertInto('job_leases')
      .values({ name, owner, lease_until: until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner, lease_until: until })
          .where((eb) =>
            eb.or([eb('job_leases.lease_until', '<=', now), eb('job_leases.owner', '=', owner)]),
          ),
      )
      .returning('owner')
      .executeTakeFirst()
    return row !== undefined
  }
}
