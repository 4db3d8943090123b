export interface RankedClass {
  index: number;
  label: string;
  probability: number;
}

/** The `k` most probable classes, most probable first; a class without a name is labelled by its index. */
export function topK(probabilities: ArrayLike<number>, k: number, names: readonly string[]): RankedClass[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK: k must be a positive integer, got ${k}`);
  return Array.from(probabilities, (probability, index) => ({ index, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k)
    .map(({ index, probability }) => ({ index, probability, label: names[index] ?? `class ${index}` }));
}
