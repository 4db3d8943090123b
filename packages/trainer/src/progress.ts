/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

export interface ProgressStats {
  loss: number;
  acc: number;
  imagesPerSecond: number;
  lr: number;
}

/**
 * One progress line per epoch on stderr: a bar, loss, accuracy, images/s and ETA. On a terminal it redraws in place;
 * otherwise (a log file, CI) it prints a line at most every `intervalMs` and at the end of the epoch.
 */
export class ProgressBar {
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly intervalMs = 10000,
  ) {
    this.tty = !!stream.isTTY;
  }

  render(label: string, done: number, total: number, stats: ProgressStats, etaSeconds: number): string {
    const width = 24;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const full = Math.round(frac * width);
    const bar = '█'.repeat(full) + '░'.repeat(width - full);
    const parts = [`${label} ${bar} ${String(done).padStart(String(total).length)}/${total}`];
    if (Number.isFinite(stats.loss)) parts.push(`loss ${stats.loss.toFixed(4)}`);
    if (Number.isFinite(stats.acc)) parts.push(`acc ${(stats.acc * 100).toFixed(1)}%`);
    if (Number.isFinite(stats.imagesPerSecond)) parts.push(`${stats.imagesPerSecond.toFixed(0)} img/s`);
    if (Number.isFinite(stats.lr)) parts.push(`lr ${stats.lr.toExponential(2)}`);
    parts.push(`ETA ${formatDuration(etaSeconds)}`);
    return parts.join(' ');
  }

  update(label: string, done: number, total: number, stats: ProgressStats, etaSeconds: number): void {
    const now = Date.now();
    const last = done >= total;
    if (this.tty) {
      if (!last && now - this.lastPrint < 100) return;
      this.lastPrint = now;
      this.stream.write(`\r\x1b[2K${this.render(label, done, total, stats, etaSeconds)}${last ? '\n' : ''}`);
    } else {
      if (!last && now - this.lastPrint < this.intervalMs) return;
      this.lastPrint = now;
      this.stream.write(`${this.render(label, done, total, stats, etaSeconds)}\n`);
    }
  }

  /** Ends a partially drawn line (interrupted epoch). */
  close(): void {
    if (this.tty) this.stream.write('\n');
  }
}
