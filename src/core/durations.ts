const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^(\d{1,9})(ms|s|m|h|d)?$/;

/**
 * Parses a human duration (`90s`, `15m`, `12h`, `7d`, `250ms`) into milliseconds. A bare
 * number means seconds. Returns null for anything else, so callers can name the bad setting.
 */
export function parseDurationMs(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;

  const amount = Number(match[1]);
  const unitMs = UNIT_MS[match[2] ?? 's'];
  if (unitMs === undefined) return null;
  return amount * unitMs;
}

/** The shortest exact human form of a duration, for logs and help text. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const unitMs = UNIT_MS[unit] ?? 1;
    if (ms >= unitMs && ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  }
  return `${ms}ms`;
}
