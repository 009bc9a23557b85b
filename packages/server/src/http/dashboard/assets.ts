import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Hono } from 'hono'
import { CLIENT_JS } from './client.js'
import { DASHBOARD_CSS } from './style.js'

const require = createRequire(import.meta.url)
const read = (specifier: string) => readFileSync(require.resolve(specifier), 'utf8')

interface Asset {
  type: string
  body: string
}

/** Served from memory, read once: htmx and Pico as published (no CDN), and our own few lines. */
function loadAssets(): Record<string, Asset> {
  return {
    'htmx.min.js': { type: 'text/javascript', body: read('htmx.org/dist/htmx.min.js') },
    'pico.css': {
      type: 'text/css',
      body: read('@picocss/pico/css/pico.classless.min.css'),
    },
    'dashboard.css': { type: 'text/css', body: DASHBOARD_CSS },
    'dashboard.js': { type: 'text/javascript', body: CLIENT_JS },
  }
}

export const ASSET_VERSION = '1'

export function mountAssets(app: Hono): void {
  const assets = loadAssets()
  app.get('/assets/:file', (c) => {
    const asset = assets[c.req.param('file')]
    if (!asset) return c.text('not found', 404)
    c.header('cache-control', 'public, max-age=3600')
    return c.body(asset.body, 200, { 'content-type': `${asset.type}; charset=utf-8` })
  })
}
