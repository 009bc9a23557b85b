import type { Requirement } from './selector.js'

/** Whether a label map satisfies every requirement (the same semantics as the SQL label filter). */
export function matchesSelector(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((r) => holds(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined))
}

function holds(r: Requirement, v: string | undefined): boolean {
  switch (r.op) {
    case 'eq':
      return v === r.value
    case 'neq':
      return v !== r.value
    case 'in':
      return v !== undefined && r.values.includes(v)
    case 'notin':
      return v === undefined || !r.values.includes(v)
    case 'exists':
      return v !== undefined
    case 'notexists':
      return v === undefined
  }
}
