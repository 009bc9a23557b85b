import type { Config } from '../config.js'
import type { SettingsRepo } from '../store/repos/settings.js'

const ANNOUNCED_DASHBOARD_URL = 'dashboard_url'

/**
 * Recorded by `serve` once it listens: where browsers reach the dashboard. OPENINDENT_PUBLIC_URL when
 * set, else the address actually bound (with `--port 0` the configured default names no real port).
 */
export function announceDashboardUrl(settings: SettingsRepo, config: Readonly<Config>, listening: string) {
  return settings.put(ANNOUNCED_DASHBOARD_URL, config.publicUrlSet ? config.publicUrl : listening)
}

/** The dashboard's base URL for links made on the host (no trailing slash). */
export async function dashboardUrl(settings: SettingsRepo, config: Readonly<Config>): Promise<string> {
  const base = config.publicUrlSet
    ? config.publicUrl
    : ((await settings.get(ANNOUNCED_DASHBOARD_URL)) ?? config.publicUrl)
  return base.replace(/\/+$/, '')
}
