/** A live loss curve on a canvas: one point per step, the y axis from the smallest to the largest loss so far. */
export class LossChart {
  private readonly losses: number[] = [];
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error(`#${canvas.id}: no 2D context`);
    this.ctx = ctx;
    this.draw();
  }

  /** Points drawn so far (also on the canvas as data-points, for the page's end-to-end check). */
  get points(): number {
    return this.losses.length;
  }

  clear(): void {
    this.losses.length = 0;
    this.draw();
  }

  add(loss: number): void {
    this.losses.push(loss);
    this.draw();
  }

  private draw(): void {
    const { ctx, canvas, losses } = this;
    const pad = { left: 48, right: 12, top: 12, bottom: 28 };
    const w = canvas.width - pad.left - pad.right;
    const h = canvas.height - pad.top - pad.bottom;
    const finite = losses.filter(Number.isFinite);
    const top = finite.length ? Math.max(...finite) : 1;
    const bottom = finite.length ? Math.min(...finite) : 0;
    const span = top - bottom || 1;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#888';
    ctx.fillStyle = '#444';
    ctx.font = '12px system-ui, sans-serif';
    ctx.beginPath();
    ctx.moveTo(pad.left, pad.top);
    ctx.lineTo(pad.left, pad.top + h);
    ctx.lineTo(pad.left + w, pad.top + h);
    ctx.stroke();
    ctx.fillText(top.toFixed(2), 4, pad.top + 10);
    ctx.fillText(bottom.toFixed(2), 4, pad.top + h);
    ctx.fillText(`step ${losses.length}`, pad.left + w - 60, canvas.height - 8);
    ctx.fillText('loss', pad.left + 6, pad.top + 10);
    if (losses.length) {
      ctx.strokeStyle = '#d2541b';
      ctx.lineWidth = 2;
      ctx.beginPath();
      losses.forEach((loss, i) => {
        const x = pad.left + (losses.length === 1 ? 0 : (i / (losses.length - 1)) * w);
        const y = pad.top + h - ((loss - bottom) / span) * h;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    canvas.dataset.points = String(losses.length);
  }
}
