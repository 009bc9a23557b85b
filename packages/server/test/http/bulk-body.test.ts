import {
  BulkUpdateRequest,
  LABEL_KEY_MAX,
  LABEL_VALUE_MAX,
  LABELS_PER_OBJECT_MAX,
} from '@openindent/contract'
import { describe, expect, it } from 'vitest'
import { isBulkUpdateBody } from '../../src/http/bulk-body.js'

/**
 * The hand-written upload check against the contract's schema, on the same bodies: the same decision,
 * and for an accepted body a value equal to what the schema returns (the route then uses the body as
 * it is). A seeded generator makes valid resources and breaks them at every field and limit.
 */

let seed = 0x2545f491
/** xorshift32: the same bodies on every run, so a failure reproduces. */
function random(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 4294967296
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
const text = (n: number) => 'é'.repeat(n)
const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))

/** Values of every JSON type, for any field. */
const ODD: unknown[] = [null, 0, 1.5, true, false, '', 'x', [], ['x'], {}, { a: 'b' }]
const odd = () => structuredClone(pick(ODD))

function validResource(i: number): Record<string, unknown> {
  const r: Record<string, unknown> = { kind: 'customer', id: `cus_${i}` }
  if (random() < 0.5) r.displayName = `Customer ${i}`
  if (random() < 0.3) r.email = `c${i}@example.com`
  if (random() < 0.3) r.altIds = Array.from({ length: Math.floor(random() * 3) }, (_, j) => `alt${j}`)
  if (random() < 0.8) r.labels = labels(Math.floor(random() * 4))
  if (random() < 0.2) r.meta = pick([{}, { labels: { a: 'b' } }, { name: 'x', createTime: 1 }])
  if (random() < 0.2) r.name = pick(['', 'abc'])
  if (random() < 0.3) {
    // Reordered keys: a strict object does not care about order.
    return Object.fromEntries(Object.entries(r).reverse())
  }
  return r
}

/** One change to a resource, valid or not (each limit at and just past its bound). */
const MUTATIONS: ((r: Record<string, unknown>) => void)[] = [
  (r) => {
    r[pick(['kind', 'id', 'displayName', 'email', 'altIds', 'labels', 'meta', 'name'])] = odd()
  },
  (r) => {
    delete r[pick(['kind', 'id', 'displayName', 'labels'])]
  },
  (r) => {
    r[pick(['extra', 'Kind', 'resources', 'constructor', 'toString'])] = odd()
  },
  (r) => {
    r.kind = text(pick([0, 1, 255, 256, 257]))
  },
  (r) => {
    r.id = text(pick([0, 1, 1023, 1024, 1025]))
  },
  (r) => {
    r.displayName = text(pick([0, 1024, 1025]))
  },
  (r) => {
    r.email = text(pick([0, 320, 321]))
  },
  (r) => {
    r.altIds = Array.from({ length: pick([0, 1, 64, 65]) }, () => 'a')
  },
  (r) => {
    r.altIds = ['a', pick([text(1024), text(1025), 1, null, ['a']])]
  },
  (r) => {
    r.labels = labels(pick([0, LABELS_PER_OBJECT_MAX - 1, LABELS_PER_OBJECT_MAX, LABELS_PER_OBJECT_MAX + 1]))
  },
  (r) => {
    const key = pick([
      '',
      'a',
      'k'.repeat(LABEL_KEY_MAX),
      'k'.repeat(LABEL_KEY_MAX + 1),
      '0',
      'example.com/team',
    ])
    r.labels = {
      a: 'b',
      [key]: pick(['', 'v', text(LABEL_VALUE_MAX), text(LABEL_VALUE_MAX + 1), 1, null, {}]),
    }
  },
  (r) => {
    r.meta = pick([null, [], 'x', 1, { any: { thing: [1] } }])
  },
]

function body(): unknown {
  const shape = random()
  if (shape < 0.05) return odd()
  if (shape < 0.1) return { resources: odd() }
  const resources: unknown[] = Array.from({ length: Math.floor(random() * 6) }, (_, i) => validResource(i))
  const out: Record<string, unknown> = { resources }
  if (shape < 0.15) out[pick(['extra', 'resource', 'unchanged'])] = odd()
  if (shape < 0.2) delete out.resources
  const changes = Math.floor(random() * 3)
  for (let c = 0; c < changes && resources.length > 0; c++) {
    const i = Math.floor(random() * resources.length)
    const r = resources[i]
    if (random() < 0.1) resources[i] = odd()
    else if (typeof r === 'object' && r !== null && !Array.isArray(r))
      MUTATIONS[Math.floor(random() * MUTATIONS.length)]?.(r as Record<string, unknown>)
  }
  // As the route sees it: parsed from JSON text.
  return JSON.parse(JSON.stringify(out))
}

describe('the upload body check', () => {
  it('decides as the schema does, and an accepted body equals what the schema returns', () => {
    let accepted = 0
    let refused = 0
    for (let n = 0; n < 20_000; n++) {
      const value = body()
      const schema = BulkUpdateRequest.safeParse(value)
      const fast = isBulkUpdateBody(value)
      if (fast !== schema.success) expect({ value, fast }).toEqual({ value, fast: schema.success })
      if (schema.success) {
        expect(value).toEqual(schema.data)
        accepted++
      } else refused++
    }
    // Both sides exercised in quantity, so the agreement means something.
    expect(accepted).toBeGreaterThan(3000)
    expect(refused).toBeGreaterThan(3000)
  })

  it('leaves a `__proto__` key to the schema, which drops it rather than refusing it', () => {
    const labelled = JSON.parse('{"resources":[{"kind":"k","id":"a","labels":{"__proto__":"x"}}]}')
    const meta = JSON.parse('{"resources":[{"kind":"k","id":"a","meta":{"__proto__":{}}}]}')
    expect(isBulkUpdateBody(labelled)).toBe(false)
    expect(isBulkUpdateBody(meta)).toBe(false)
  })
})
