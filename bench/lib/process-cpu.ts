import { readFileSync } from 'node:fs'

/**
 * CPU milliseconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined where
 * there is no /proc. Less disturbed than wall time by other work on a shared machine: a server that
 * waits for a core is not charged for the wait.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    // Fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? ticks * 10 : undefined
  } catch {
    return undefined
  }
}
