/**
 * The run-history chart as an SVG string: overall and per-system match rates per run.
 * Pure; colours are the theme's chart colours, so it follows the editor theme.
 */
import type { RunRecord } from '@keysync/sdk';

export interface Series {
  readonly name: string;
  readonly points: readonly (number | null)[];
}

const WIDTH = 760;
const HEIGHT = 280;
const MARGIN = { left: 48, right: 16, top: 16, bottom: 32 };
const COLOURS = ['--vscode-charts-foreground', '--vscode-charts-blue', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];

/**
 * Series colours as classes: a strict Content-Security-Policy forbids style attributes,
 * and SVG presentation attributes cannot take CSS variables.
 */
export const CHART_CSS = COLOURS.map(
  (colour, index) => `.s${index} { stroke: var(${colour}); fill: var(${colour}); } .swatch.s${index} { background: var(${colour}); }`,
).join('\n');

const seriesClass = (index: number) => `s${index % COLOURS.length}`;

/** Completed runs oldest first → one series for the overall rate and one per system. */
export function matchRateSeries(runs: readonly RunRecord[]): Series[] {
  const systems = [...new Set(runs.flatMap((run) => run.summary?.systems.filter((s) => s.role !== 'authority').map((s) => s.system) ?? []))];
  return [
    { name: 'Overall', points: runs.map((run) => run.summary?.totals.overallMatchRate ?? null) },
    ...systems.map((system) => ({
      name: system,
      points: runs.map((run) => run.summary?.systems.find((s) => s.system === system)?.matchRate ?? null),
    })),
  ];
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function chartSvg(series: readonly Series[], labels: readonly string[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (index: number) => MARGIN.left + (labels.length <= 1 ? plotWidth / 2 : (index / (labels.length - 1)) * plotWidth);
  const y = (rate: number) => MARGIN.top + (1 - rate) * plotHeight;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((rate) => `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(rate)}" y2="${y(rate)}"/><text class="axis" x="${MARGIN.left - 6}" y="${y(rate) + 4}" text-anchor="end">${rate * 100}%</text>`)
    .join('');
  const lines = series
    .map((serie, index) => {
      const coordinates = serie.points.flatMap((rate, i) => (rate === null ? [] : [[x(i).toFixed(1), y(rate).toFixed(1)] as const]));
      const dots = coordinates.map(([cx, cy]) => `<circle cx="${cx}" cy="${cy}" r="3"/>`).join('');
      const line = coordinates.map(([cx, cy]) => `${cx},${cy}`).join(' ');
      return `<g class="${seriesClass(index)}${index === 0 ? ' overall' : ''}"><title>${escapeXml(serie.name)}</title><polyline points="${line}"/>${dots}</g>`;
    })
    .join('');
  const ticks = labels
    .map((label, index) => `<text class="axis" x="${x(index)}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(label)}</text>`)
    .join('');
  const legend = series
    .map((serie, index) => `<span class="key"><span class="swatch ${seriesClass(index)}"></span>${escapeXml(serie.name)}</span>`)
    .join('');
  return `<svg role="img" aria-label="Match rate per run" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%">${grid}${lines}${ticks}</svg><div class="legend">${legend}</div>`;
}
