/**
 * The Mann-Whitney U test, for telling whether two samples of timings come from the same
 * distribution without assuming they are normal (timings have long right tails).
 */
export interface RankTestResult {
  /** U of the first sample: how often one of its values beats one of the second's. */
  readonly u: number;
  /** The normal approximation of U, tie-corrected; |z| > 3.29 means p < 0.001 two-sided. */
  readonly z: number;
}

export function mannWhitneyU(first: readonly number[], second: readonly number[]): RankTestResult {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('both samples need at least one value');

  const pooled = [
    ...first.map((value) => ({ value, fromFirst: true })),
    ...second.map((value) => ({ value, fromFirst: false })),
  ].sort((a, b) => a.value - b.value);

  // Tied values share the average of the ranks they span.
  let rankSumFirst = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1]?.value === pooled[start]?.value) end += 1;
    const averageRank = (start + end) / 2 + 1;
    const tied = end - start + 1;
    tieTerm += tied ** 3 - tied;
    for (let index = start; index <= end; index += 1) {
      if (pooled[index]?.fromFirst) rankSumFirst += averageRank;
    }
    start = end + 1;
  }

  const u = rankSumFirst - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const z = variance > 0 ? (u - mean) / Math.sqrt(variance) : 0;
  return { u, z };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}
