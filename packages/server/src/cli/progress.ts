/**
 * A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise (logs, CI).
 */
export class ProgressBar {
  private readonly started = performance.now()
  private lastTenth = -1

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    const ratio = this.total === 0 ? 1 : done / this.total
    const seconds = (performance.now() - this.started) / 1000
    const rate = seconds > 0 ? Math.round(done / seconds) : 0
    const text = `${this.label} ${fmt(done)}/${fmt(this.total)} (${Math.floor(ratio * 100)}%) ${fmt(rate)}/s`
    if (this.out.isTTY) {
      const width = 30
      const filled = Math.round(ratio * width)
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`)
      if (done >= this.total) this.out.write('\n')
      return
    }
    const tenth = Math.floor(ratio * 10)
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth
      this.out.write(`${text}\n`)
    }
  }
}

const fmt = (n: number) => n.toLocaleString('en-US')
