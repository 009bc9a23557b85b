/** PostgreSQL hands back `jsonb` already parsed; SQLite hands back text. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}
