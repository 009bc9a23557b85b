import {
  type BulkUpdateRequest,
  LABEL_KEY_MAX,
  LABEL_VALUE_MAX,
  LABELS_PER_OBJECT_MAX,
} from '@openindent/contract'

/**
 * Says whether a parsed JSON body is one the contract's `BulkUpdateRequest` accepts, without copying
 * it. An upload carries up to 100,000 resources, and the schema's parse, which builds a copy of every
 * resource and label map, was a large part of the request's own work. A yes means the schema would
 * return an equal value, so the body is used as it is; a no sends the body to the schema, which then
 * refuses it with its usual error, so error answers do not depend on this function. The schema stays
 * the one definition (and the OpenAPI document's): test/http/bulk-body.test.ts feeds both the same
 * valid and invalid bodies and requires the same decision and an equal value.
 *
 * Only for a JSON body: `JSON.parse` makes plain objects and arrays, no `undefined` and no prototypes.
 */
export function isBulkUpdateBody(body: unknown): body is BulkUpdateRequest {
  if (!isRecord(body)) return false
  let keys = 0
  for (const key in body) {
    if (key !== 'resources') return false
    keys++
  }
  const resources = body.resources
  if (keys !== 1 || !Array.isArray(resources)) return false
  for (let i = 0; i < resources.length; i++) if (!isResource(resources[i])) return false
  return true
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const isText = (v: unknown, min: number, max: number) =>
  typeof v === 'string' && v.length >= min && v.length <= max

/** `ResourceInput`: a strict object, so any other key is a refusal. */
function isResource(r: unknown): boolean {
  if (!isRecord(r)) return false
  let kind = false
  let id = false
  for (const key in r) {
    const v = r[key]
    switch (key) {
      case 'kind':
        if (!isText(v, 1, 256)) return false
        kind = true
        break
      case 'id':
        if (!isText(v, 1, 1024)) return false
        id = true
        break
      case 'displayName':
        if (!isText(v, 0, 1024)) return false
        break
      case 'email':
        if (!isText(v, 0, 320)) return false
        break
      case 'altIds':
        if (!isAltIds(v)) return false
        break
      case 'labels':
        if (!isLabels(v)) return false
        break
      case 'meta':
        if (!isRecord(v) || Object.hasOwn(v, '__proto__')) return false
        break
      case 'name':
        if (typeof v !== 'string') return false
        break
      default:
        return false
    }
  }
  return kind && id
}

function isAltIds(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > 64) return false
  for (const alt of v) if (!isText(alt, 0, 1024)) return false
  return true
}

function isLabels(v: unknown): boolean {
  if (!isRecord(v)) return false
  let count = 0
  for (const key in v) {
    // The schema drops a `__proto__` key instead of refusing it: the value would differ, so it decides.
    if (key.length < 1 || key.length > LABEL_KEY_MAX || key === '__proto__') return false
    if (!isText(v[key], 0, LABEL_VALUE_MAX)) return false
    count++
  }
  return count <= LABELS_PER_OBJECT_MAX
}
