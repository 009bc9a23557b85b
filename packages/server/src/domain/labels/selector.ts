import { invalid } from '../errors.js'

/** One requirement of a Kubernetes-style label selector. */
export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' }

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/
const VALUE = /^[^\s,()=!]*$/
const MAX_REQUIREMENTS = 32

/**
 * Parses `plan=pro,tier in (a,b),!legacy,region!=eu,owner` into requirements (all must hold).
 * Throws INVALID_ARGUMENT (param `labelSelector`) on anything it cannot read.
 */
export function parseLabelSelector(input: string): Requirement[] {
  const parts = splitTopLevel(input.trim())
  if (parts.length > MAX_REQUIREMENTS) throw bad(`at most ${MAX_REQUIREMENTS} requirements`)
  return parts.map(parseRequirement)
}

function splitTopLevel(input: string): string[] {
  if (input === '') return []
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]
    if (ch === '(') depth++
    else if (ch === ')') depth--
    if (depth < 0 || depth > 1) throw bad('unbalanced parentheses')
    if (ch === ',' && depth === 0) {
      parts.push(input.slice(start, i).trim())
      start = i + 1
    }
  }
  if (depth !== 0) throw bad('unbalanced parentheses')
  parts.push(input.slice(start).trim())
  return parts
}

function parseRequirement(text: string): Requirement {
  if (text === '') throw bad('empty requirement')
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text)
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim())
    if (values.some((v) => v === '')) throw bad(`empty value in "${text}"`)
    return { key: key(set[1] ?? ''), op: set[2] as 'in' | 'notin', values: values.map(value) }
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text)
  if (cmp) {
    return { key: key(cmp[1] ?? ''), op: cmp[2] === '!=' ? 'neq' : 'eq', value: value((cmp[3] ?? '').trim()) }
  }
  if (text.startsWith('!')) return { key: key(text.slice(1).trim()), op: 'notexists' }
  return { key: key(text), op: 'exists' }
}

function key(k: string): string {
  if (k.length > 317 || !KEY.test(k)) throw bad(`invalid label key "${k}"`)
  return k
}

function value(v: string): string {
  if (v.length > 4096 || !VALUE.test(v)) throw bad(`invalid label value "${v}"`)
  return v
}

function bad(why: string) {
  return invalid(`labelSelector: ${why}`, 'labelSelector')
}
