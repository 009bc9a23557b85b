import { describe, expect, it } from 'vitest'
import { clockIn } from '../../src/domain/policies/request.js'

/** What Intl says directly, with no memory in between. */
function direct(timeZone: string, at: number) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'long',
  })
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]))
  return { hour: Number(parts.hour) % 24, minute: Number(parts.minute), weekday: parts.weekday }
}

describe('the clock policies read', () => {
  it('matches Intl at every step, across minutes, days and a daylight-saving change', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']
    // Around the spring change in Europe (2026-03-29 01:00 UTC), in 7-second steps: several calls land
    // in one minute, and consecutive minutes differ.
    const start = Date.UTC(2026, 2, 29, 0, 50)
    for (let at = start; at < start + 30 * 60_000; at += 7_000) {
      for (const zone of zones)
        expect(clockIn(zone, at), `${zone} ${new Date(at).toISOString()}`).toEqual(direct(zone, at))
    }
    // Midnight in Berlin: the weekday turns with the minute.
    const midnight = Date.UTC(2026, 5, 1, 22, 0)
    expect(clockIn('Europe/Berlin', midnight - 1_000)).toMatchObject({
      hour: 23,
      minute: 59,
      weekday: 'Monday',
    })
    expect(clockIn('Europe/Berlin', midnight)).toMatchObject({ hour: 0, minute: 0, weekday: 'Tuesday' })
  })
})
