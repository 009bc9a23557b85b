import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { ResourceInput } from '@openindent/contract'
import { z } from 'zod'
import { invalid } from '../domain/errors.js'
import { parseCsv } from './csv.js'

const FIELDS = new Set(['kind', 'id', 'displayName', 'email'])

/**
 * Reads resources from a file. JSON: an array of resources, or `{ "resources": [...] }`. CSV: a header
 * row with `kind`, `id` and optionally `displayName`, `email`, `altIds` (separated by `;`) and
 * `labels.<key>` columns. Every row is validated before anything is sent.
 */
export async function readResourceFile(path: string): Promise<ResourceInput[]> {
  const ext = extname(path).toLowerCase()
  if (ext !== '.csv' && ext !== '.json') {
    throw invalid(
      `${path}: cannot read ${ext ? `a ${ext} file` : 'a file without an extension'}: use a .csv file (columns kind,id,displayName,email,altIds,labels.<key>) or a .json file (an array of resources)`,
    )
  }
  const text = await readText(path)
  const csv = ext === '.csv'
  const rows = csv ? fromCsv(text, path) : fromJson(text, path)
  const schema = z.array(ResourceInput)
  const r = schema.safeParse(rows)
  if (!r.success) {
    const issue = r.error.issues[0]
    const [index, ...rest] = issue?.path ?? []
    // A CSV's first line is its header, so resource n is on row n + 1: the number an editor shows.
    const where = csv ? `row ${Number(index) + 2}` : `resource ${Number(index) + 1}`
    throw invalid(`${path}: ${where}${rest.length ? ` (${rest.join('.')})` : ''}: ${issue?.message}`)
  }
  return r.data
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw invalid(`${path}: no such file`)
    if (code === 'EISDIR') throw invalid(`${path}: is a directory, not a file`)
    if (code === 'EACCES') throw invalid(`${path}: permission denied`)
    throw err
  }
}

function fromJson(text: string, path: string): unknown {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw invalid(`${path}: not valid JSON: ${(err as Error).message}`)
  }
  if (Array.isArray(data)) return data
  if (data && typeof data === 'object' && Array.isArray((data as { resources?: unknown }).resources)) {
    return (data as { resources: unknown[] }).resources
  }
  throw invalid(`${path}: expected an array of resources or an object with a "resources" array`)
}

function fromCsv(text: string, path: string): Record<string, unknown>[] {
  let rows: string[][]
  try {
    rows = parseCsv(text)
  } catch (err) {
    throw invalid(`${path}: not valid CSV: ${(err as Error).message}`)
  }
  const [header, ...body] = rows
  if (!header?.includes('kind') || !header.includes('id'))
    throw invalid(`${path}: the CSV header needs "kind" and "id" columns`)
  for (const col of header) {
    if (!FIELDS.has(col) && col !== 'altIds' && !col.startsWith('labels.')) {
      throw invalid(
        `${path}: unknown CSV column "${col}": use kind, id, displayName, email, altIds or labels.<key>`,
      )
    }
  }
  return body.map((cells, n) => {
    if (cells.length !== header.length)
      throw invalid(`${path}: row ${n + 2} has ${cells.length} fields, the header ${header.length}`)
    const out: Record<string, unknown> = {}
    const labels: Record<string, string> = {}
    header.forEach((col, i) => {
      const v = cells[i] ?? ''
      if (col.startsWith('labels.')) {
        if (v !== '') labels[col.slice('labels.'.length)] = v
      } else if (col === 'altIds') {
        if (v !== '') out.altIds = v.split(';')
      } else if (v !== '' || col === 'kind' || col === 'id') out[col] = v
    })
    out.labels = labels
    return out
  })
}
