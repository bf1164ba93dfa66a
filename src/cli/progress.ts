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
    // What is left at the rate so far; nothing until there is a rate to go by.
    const eta = !finished && done > 0 ? ` eta ${formatDuration((this.total - done) / rate)}` : '';
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ` +
      `${(fraction * 100).toFixed(0)}% ${rate.toFixed(1)}/s${eta}${note ? ` ${note}` : ''}`;
    if (this.stream.isTTY) this.stream.write(`\r${line}${finished ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}

/** Seconds as `42s`, `3m05s` or `2h07m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
