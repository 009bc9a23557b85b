/**
 * Marks a hot statement: one whose text begins with this comment is prepared once per connection on
 * PostgreSQL and only bound and executed after that (see postgres/prepared.ts), for a statement whose
 * planning costs more than running it. SQLite, which caches its prepared statements anyway, sees a comment.
 */
export const PREPARED = '/* prepared */'
