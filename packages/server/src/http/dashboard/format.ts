import { formatGoDuration } from '@openindent/contract'

// A page shows the same few durations (each rule's default and maximum) on every card.
const durations = new Map<number, string>()

/** "2h", "1h30m", "45m": Go's format without its zero parts, for people. */
export function humanDuration(ms: number): string {
  let text = durations.get(ms)
  if (text === undefined) {
    text = formatGoDuration(ms)
      .replace(/(\d)h0m0s$/, '$1h')
      .replace(/(\d)m0s$/, '$1m')
    if (durations.size >= 1000) durations.clear()
    durations.set(ms, text)
  }
  return text
}

/** "5 min ago", "in 2 h": coarse on purpose; the exact time is in the element's title. */
export function relative(at: number, now: number): string {
  const diff = at - now
  const abs = Math.abs(diff)
  const unit =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`
  return diff < 0 ? `${unit} ago` : `in ${unit}`
}

export const iso = (at: number) => new Date(at).toISOString()
