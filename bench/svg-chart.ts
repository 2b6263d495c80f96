/**
 * A horizontal bar chart of ratio-to-ceiling per scenario, as plain SVG text: one bar per
 * scenario, a dashed mark at each scenario's target, and the ceiling (1.0) as the right edge.
 */
export interface Bar {
  readonly label: string;
  readonly ratio: number;
  /** The ratio the scenario must reach, when it has one. */
  readonly target?: number;
}

const WIDTH = 720;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 50;
const BAR_HEIGHT = 18;
const GAP = 6;
const TOP = 34;
const BOTTOM = 30;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function barColour(bar: Bar): string {
  if (bar.target === undefined) return '#8a94a6';
  return bar.ratio >= bar.target ? '#2f8f5b' : '#c2453d';
}

export function ratioChart(title: string, bars: readonly Bar[]): string {
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const scaleMax = Math.max(1, ...bars.map((bar) => (Number.isFinite(bar.ratio) ? bar.ratio : 0)));
  const x = (ratio: number) => LABEL_WIDTH + (Math.max(0, ratio) / scaleMax) * plotWidth;
  const height = TOP + bars.length * (BAR_HEIGHT + GAP) + BOTTOM;
  const plotBottom = height - BOTTOM + 4;

  const rows = bars.map((bar, index) => {
    const y = TOP + index * (BAR_HEIGHT + GAP);
    const ratio = Number.isFinite(bar.ratio) ? bar.ratio : 0;
    const parts = [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(ratio) - LABEL_WIDTH).toFixed(1)}" ` +
        `height="${BAR_HEIGHT}" fill="${barColour(bar)}"/>`,
      `<text x="${(x(ratio) + 4).toFixed(1)}" y="${y + 13}">${ratio.toFixed(2)}</text>`,
    ];
    if (bar.target !== undefined) {
      const tx = x(bar.target).toFixed(1);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y - 2}" y2="${y + BAR_HEIGHT + 2}" ` +
          'stroke="#222" stroke-width="2" stroke-dasharray="3,2"/>',
      );
    }
    return parts.join('\n  ');
  });

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((tick) => {
    const tx = x(tick).toFixed(1);
    return (
      `<line x1="${tx}" x2="${tx}" y1="${TOP - 4}" y2="${plotBottom}" stroke="#ddd"/>\n  ` +
      `<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle">${tick}</text>`
    );
  });

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `  <rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `  <text x="${LABEL_WIDTH}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `  ${ticks.join('\n  ')}`,
    `  ${rows.join('\n  ')}`,
    '</svg>',
    '',
  ].join('\n');
}
