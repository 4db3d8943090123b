import type { EvalResult } from './metrics';

export interface MetricRecord {
  type: 'train' | 'eval';
  step: number;
  epoch: number;
  [k: string]: unknown;
}

interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : +v.toPrecision(3) + '';
}

/** An inline SVG line chart. */
export function lineChart(title: string, xLabel: string, series: Series[], opts: { yMin?: number; yMax?: number; percent?: boolean } = {}): string {
  const W = 520;
  const H = 300;
  const m = { l: 60, r: 16, t: 32, b: 44 };
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">${esc(title)}: no data</text></svg>`;
  const x0 = Math.min(...pts.map((p) => p[0]));
  let x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = opts.yMin ?? Math.min(...pts.map((p) => p[1]));
  let y1 = opts.yMax ?? Math.max(...pts.map((p) => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y1 += Math.abs(y1) * 0.1 || 1;
    y0 -= Math.abs(y0) * 0.1 || 0;
  }
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${py(t) + 4}" text-anchor="end">${opts.percent ? `${+(t * 100).toFixed(2)}%` : fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#333"/>`);
    parts.push(`<text x="${px(t)}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  series.forEach((s, i) => {
    const ps = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!ps.length) return;
    const d = ps.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
    if (ps.length < 40) for (const [x, y] of ps) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const lx = m.l + 10 + i * 150;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${m.t + 12}" y2="${m.t + 12}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 22}" y="${m.t + 16}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface ReportInput {
  title: string;
  records: MetricRecord[];
  final?: EvalResult & { name: string };
  finalEma?: EvalResult & { name: string };
  summary: Array<[string, string]>;
  spec: unknown;
  stepsPerEpoch: number;
  /** Further sections (HTML), after the final scores: e.g. the attention pictures. */
  sections?: string[];
}

function confusionTable(r: EvalResult): string {
  const max = Math.max(1, ...r.confusion.flat());
  const head = r.perClass.map((c) => `<th>${esc(c.name)}</th>`).join('');
  const rows = r.confusion
    .map((row, i) => {
      const cells = row
        .map((v, j) => {
          const a = v / max;
          const bg = i === j ? `rgba(34,139,34,${(0.15 + 0.85 * a).toFixed(2)})` : v ? `rgba(200,40,40,${(0.15 + 0.85 * a).toFixed(2)})` : '#fff';
          return `<td style="background:${bg}">${v}</td>`;
        })
        .join('');
      return `<tr><th>${esc(r.perClass[i].name)}</th>${cells}</tr>`;
    })
    .join('');
  return `<table class="cm"><tr><th>true \\ predicted</th>${head}</tr>${rows}</table>`;
}

function perClassTable(r: EvalResult): string {
  const rows = r.perClass.map((c) => `<tr><td>${esc(c.name)}</td><td>${c.count}</td><td>${Number.isNaN(c.accuracy) ? '–' : `${(c.accuracy * 100).toFixed(2)}%`}</td></tr>`).join('');
  return `<table><tr><th>class</th><th>images</th><th>accuracy</th></tr>${rows}</table>`;
}

/** A self-contained HTML page (inline SVG, no scripts, no external files) with the curves and the final metrics. */
export function renderReport(input: ReportInput): string {
  const train = input.records.filter((r) => r.type === 'train');
  const evals = input.records.filter((r) => r.type === 'eval');
  const spe = Math.max(1, input.stepsPerEpoch);
  const ep = (r: MetricRecord) => r.step / spe;
  const lossChart = lineChart('Loss', 'epoch', [
    { name: 'train loss', color: '#1f77b4', points: train.map((r) => [ep(r), r.loss as number]) },
    { name: 'eval loss', color: '#d62728', points: evals.map((r) => [ep(r), r.loss as number]) },
  ]);
  const accChart = lineChart(
    'Accuracy',
    'epoch',
    [
      { name: 'train top-1', color: '#1f77b4', points: train.map((r) => [ep(r), r.acc as number]) },
      { name: 'eval top-1', color: '#d62728', points: evals.map((r) => [ep(r), r.top1 as number]) },
      { name: 'eval top-5', color: '#2ca02c', points: evals.map((r) => [ep(r), r.top5 as number]) },
    ],
    { percent: true, yMax: 1 },
  );
  const lrChart = lineChart('Learning rate', 'epoch', [{ name: 'lr', color: '#9467bd', points: train.map((r) => [ep(r), r.lr as number]) }]);
  const finals = [input.final, input.finalEma].filter((x): x is EvalResult & { name: string } => !!x);
  const finalHtml = finals
    .map(
      (f) => `<h2>${esc(f.name)}: top-1 ${(f.top1 * 100).toFixed(2)}%, top-5 ${(f.top5 * 100).toFixed(2)}% (${f.count} images)</h2>
<div class="row"><div><h3>Per-class accuracy</h3>${perClassTable(f)}</div><div><h3>Confusion matrix</h3>${confusionTable(f)}</div></div>`,
    )
    .join('\n');
  const summary = input.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4}
.cm td{min-width:28px;text-align:center}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
img.attn{image-rendering:pixelated}
figure{margin:0}
figcaption{font-size:13px}
.note{color:#555}
pre{background:#f7f7f7;padding:8px;font-size:12px;overflow:auto}
</style></head><body>
<h1>${esc(input.title)}</h1>
<table>${summary}</table>
<div class="row">${lossChart}${accChart}</div>
<div class="row">${lrChart}</div>
${finalHtml}
${(input.sections ?? []).join('\n')}
<h3>Spec</h3><pre>${esc(JSON.stringify(input.spec, null, 2))}</pre>
</body></html>
`;
}
