/** A one-line progress bar on stderr (plain lines when stderr is not a terminal, e.g. in CI logs). */
export class ProgressBar {
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  update(done: number, note = ''): void {
    const now = Date.now();
    const finished = done >= this.total;
    if (!this.stream.isTTY && !finished && now - this.lastLine < 2000) return;
    this.lastLine = now;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = done / Math.max(0.001, (now - this.started) / 1000);
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ` +
      `${(fraction * 100).toFixed(0)}% ${rate.toFixed(1)}/s${note ? ` ${note}` : ''}`;
    if (this.stream.isTTY) this.stream.write(`\r${line}${finished ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}
