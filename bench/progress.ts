/** Progress goes to stderr, one line per step, so stdout stays free for the final summary. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? Math.round(perSecond).toLocaleString('en-US') : '—';
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}
