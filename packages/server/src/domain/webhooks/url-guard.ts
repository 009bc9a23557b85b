import { isIP } from 'node:net'

/**
 * Host names of cloud metadata services: a webhook pointed at one would hand the instance's cloud
 * credentials to whoever may create webhooks.
 */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
])

/**
 * Whether `address` (an IP literal) is a metadata address: all of IPv4 link-local 169.254.0.0/16 (AWS,
 * GCP, Azure, DigitalOcean, OpenStack), Alibaba's 100.100.100.200, AWS's IPv6 fd00:ec2::254, IPv6
 * link-local fe80::/10, and IPv4-mapped forms of these.
 */
export function isMetadataAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '')
  if (isIP(a) === 4) return a.startsWith('169.254.') || a === '100.100.100.200'
  if (isIP(a) !== 6) return false
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1]
  if (mapped) return isMetadataAddress(mapped)
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a)
  if (hexMapped) {
    const hi = Number.parseInt(hexMapped[1] ?? '0', 16)
    const lo = Number.parseInt(hexMapped[2] ?? '0', 16)
    return isMetadataAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`)
  }
  return expand(a).startsWith('fd00:0ec2:') || /^fe[89ab]/.test(expand(a))
}

/** A metadata host name or address literal in `url`, as the URL parser normalized it. */
export function metadataHostIn(url: URL): string | undefined {
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (METADATA_HOSTS.has(host) || isMetadataAddress(host)) return host
  return undefined
}

function expand(v6: string): string {
  const [head = '', tail = ''] = v6.split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const zeros = Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0')
  return [...h, ...(v6.includes('::') ? zeros : []), ...t].map((g) => g.padStart(4, '0')).join(':')
}
