import {
  contentHash,
  labelsJson,
  type ResourceContent,
  type ResourceRecord,
  resourceName,
} from '../../domain/resources/types.js'
import { parseJson } from '../json.js'
import type { ResourcesTable } from '../schema.js'

/** The columns `toRow` fills, in the order it fills them. */
export const ROW_COLUMNS = [
  'space_id',
  'kind',
  'id',
  'name',
  'display_name',
  'email',
  'alt_ids',
  'labels',
  'content_hash',
  'create_time',
  'update_time',
  'change_id',
] as const satisfies readonly (keyof ResourcesTable)[]

/** The columns a client sets, as `replace` and the row-by-row update write them. */
export const clientColumns = (row: ResourcesTable) => ({
  display_name: row.display_name,
  email: row.email,
  alt_ids: row.alt_ids,
  labels: row.labels,
})

/**
 * Field by field rather than by spreading `item`: an upload makes up to 100,000 of these, and V8's
 * object spread took most of the time of building them.
 */
export function toRecord(
  item: ResourceContent,
  name: string,
  createTime: number,
  updateTime: number,
): ResourceRecord {
  const record: ResourceRecord = {
    kind: item.kind,
    id: item.id,
    name,
    labels: item.labels,
    createTime,
    updateTime,
  }
  if (item.displayName !== undefined) record.displayName = item.displayName
  if (item.email !== undefined) record.email = item.email
  if (item.altIds !== undefined) record.altIds = item.altIds
  return record
}

export function toRow(spaceId: string, r: ResourceContent, now: number, writeId: string): ResourcesTable {
  return {
    space_id: spaceId,
    kind: r.kind,
    id: r.id,
    name: resourceName(r.kind, r.id),
    display_name: r.displayName ?? null,
    email: r.email ?? null,
    alt_ids: r.altIds ? JSON.stringify(r.altIds) : null,
    labels: labelsJson(r.labels),
    content_hash: contentHash(r),
    create_time: now,
    update_time: now,
    change_id: writeId,
  }
}

export function fromRow(row: ResourcesTable): ResourceRecord {
  const record: ResourceRecord = {
    kind: row.kind,
    id: row.id,
    name: row.name,
    labels: parseJson<Record<string, string>>(row.labels),
    createTime: row.create_time,
    updateTime: row.update_time,
  }
  if (row.display_name !== null) record.displayName = row.display_name
  if (row.email !== null) record.email = row.email
  if (row.alt_ids !== null) record.altIds = parseJson<string[]>(row.alt_ids)
  return record
}
