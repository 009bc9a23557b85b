// Writes data/customers.json: 300 made-up customers, the same every time (a seeded generator), so that
// the portal, its screenshots and its test agree on who is who.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(dirname(fileURLToPath(import.meta.url)))
let state = 42
const next = () => {
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648
}
const pick = (list) => list[Math.floor(next() * list.length)]

const first = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Tyrell',
]
const second = [
  'Labs',
  'Corp',
  'Foods',
  'Logistics',
  'Systems',
  'Health',
  'Media',
  'Energy',
  'Robotics',
  'Bank',
]
const third = ['North', 'South', 'East', 'West', 'Central', 'Pacific', 'Atlantic']
const cities = ['Lisbon', 'Oslo', 'Austin', 'Nairobi', 'Osaka', 'Lyon', 'Toronto', 'Perth', 'Pune', 'Quito']
const plans = ['free', 'free', 'free', 'pro', 'pro', 'enterprise']

const customers = []
for (let i = 1; i <= 300; i++) {
  const name = `${pick(first)} ${pick(second)} ${pick(third)} ${i}`
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  customers.push({
    id: `cus_${String(i).padStart(4, '0')}`,
    name,
    // The first customer is on enterprise whatever the generator says: the README and the test use it.
    plan: i === 1 ? 'enterprise' : pick(plans),
    contact: `billing@${slug}.example`,
    phone: `+1 555 ${String(Math.floor(next() * 9000) + 1000)}`,
    city: pick(cities),
    monthlySpend: Math.round(next() * 20000) * 10,
  })
}
mkdirSync(join(here, 'data'), { recursive: true })
writeFileSync(join(here, 'data/customers.json'), `${JSON.stringify(customers, null, 2)}\n`)
console.log(`wrote ${customers.length} customers to data/customers.json`)
