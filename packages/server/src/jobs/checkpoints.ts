import { appendFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { type Checkpoint, takeCheckpoint } from '../domain/audit/checkpoint.js'
import type { CheckpointSigner } from '../domain/audit/checkpoint-signer.js'
import type { Ctx } from '../domain/context.js'
import { Periodic } from './periodic.js'

/** Somewhere checkpoints are kept, out of reach of whoever controls the database. */
export interface CheckpointTarget {
  /** For logs. */
  name: string
  send(cp: Checkpoint): Promise<void>
}

/** Appends one JSON line per checkpoint: the file `openindent audit verify --expect-head` reads. */
export function fileTarget(path: string): CheckpointTarget {
  return { name: path, send: (cp) => appendFile(path, `${JSON.stringify(cp)}\n`) }
}

/** POSTs each checkpoint as JSON; anything but a 2xx answer is a failure, retried next pass. */
export function urlTarget(url: string, timeoutMs = 10_000): CheckpointTarget {
  return {
    name: url,
    async send(cp) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(cp),
        signal: AbortSignal.timeout(timeoutMs),
      })
      await res.body?.cancel()
      if (!res.ok) throw new Error(`${url} answered ${res.status}`)
    },
  }
}

/**
 * Publishes a signed checkpoint of every chain whose head moved since this process last published it
 * to a target, every `intervalMs` (and once at start). A target that fails is logged and gets the then
 * current head on the next pass; it never stops the others or the server.
 */
export class CheckpointJob extends Periodic {
  /** Per target and chain, the seq last published there. */
  private readonly published = new Map<string, number>()

  constructor(
    private readonly ctx: Ctx,
    private readonly signer: CheckpointSigner,
    private readonly targets: CheckpointTarget[],
    private readonly log: Logger,
    intervalMs: number,
  ) {
    super('checkpoints', intervalMs, log)
  }

  /** One pass; returns how many checkpoints were published and how many sends failed. */
  async runOnce(): Promise<{ sent: number; failed: number }> {
    let sent = 0
    let failed = 0
    for (const head of await this.ctx.store.audit.heads()) {
      const due = this.targets.filter((t) => this.published.get(key(t, head.chain)) !== head.seq)
      if (due.length === 0) continue
      const cp = await takeCheckpoint(this.ctx, this.signer, head)
      for (const target of due) {
        try {
          await target.send(cp)
          this.published.set(key(target, head.chain), head.seq)
          sent++
        } catch (err) {
          failed++
          this.log.warn(
            { err, target: target.name, chain: head.chain, seq: head.seq },
            'checkpoint not published; it is retried on the next pass',
          )
        }
      }
    }
    return { sent, failed }
  }
}

const key = (target: CheckpointTarget, chain: string) => `${target.name}\u0000${chain}`
