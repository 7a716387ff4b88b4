// A progress bar on stderr, only when stderr is a terminal (never in pipes, CI logs or --json output).
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private last = 0;
  private readonly started = performance.now();

  constructor(private readonly total: number) {}

  update(done: number): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const frac = this.total ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const mbs = done / 1e6 / ((now - this.started) / 1000);
    process.stderr.write(`\r[${bar}] ${(frac * 100).toFixed(0).padStart(3)}%  ${(done / 1e6).toFixed(1)} MB  ${mbs.toFixed(1)} MB/s `);
  }

  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}
