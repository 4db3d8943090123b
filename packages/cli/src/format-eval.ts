import type { EvalResult } from '@vitkit/trainer';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The text `vitkit eval` prints: summary, per-class accuracy and the confusion matrix with full class names. */
export function formatEvaluation(r: EvalResult, setName: string): string {
  const lines = [`${setName} set, ${r.count} images: top-1 ${pct(r.top1)}  top-5 ${pct(r.top5)}  loss ${r.loss.toFixed(4)}`, '', 'per-class accuracy:'];
  const nameWidth = Math.max(5, ...r.perClass.map((c) => c.name.length));
  for (const c of r.perClass) lines.push(`  ${c.name.padEnd(nameWidth)}  ${Number.isNaN(c.accuracy) ? '   –   ' : pct(c.accuracy).padStart(7)}  (${c.count})`);
  lines.push('', 'confusion matrix (rows: true class, columns: predicted):');
  // Columns as wide as the longest class name or count, so no header is cut.
  const cell = Math.max(...r.perClass.map((c) => c.name.length), ...r.confusion.flat().map((x) => String(x).length)) + 1;
  lines.push(`  ${''.padEnd(nameWidth)} ${r.perClass.map((c) => c.name.padStart(cell)).join('')}`);
  r.confusion.forEach((row, i) => lines.push(`  ${r.perClass[i].name.padEnd(nameWidth)} ${row.map((x) => String(x).padStart(cell)).join('')}`));
  return `${lines.join('\n')}\n`;
}
