/**
 * The run-history chart as an SVG string: overall and per-system match rates, placed by
 * when each run started. Every series has its own colour, dash pattern and marker shape,
 * so series with equal rates stay told apart, and every point has a `<title>` with its value.
 * The SVG is drawn at a fixed pixel size (the panel scrolls rather than shrinking the text).
 * Pure; colours are the theme's chart colours, so it follows the editor theme.
 */
import type { RunRecord } from '@keysync/sdk';
import { escapeXml } from '../escape.js';
import { formatPercent } from '../format.js';

export interface Series {
  readonly name: string;
  readonly points: readonly (number | null)[];
}

export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 300;
const MARGIN = { left: 64, right: 48, top: 16, bottom: 64 };
const COLOURS = ['--vscode-charts-foreground', '--vscode-charts-blue', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const DASHES = ['none', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4'];
const HOUR = 3_600_000;
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'triangle-down', 'plus'] as const;
type Marker = (typeof MARKERS)[number];

/**
 * Series styles as classes: a strict Content-Security-Policy forbids style attributes,
 * and SVG presentation attributes cannot take CSS variables.
 */
export const CHART_CSS = COLOURS.map(
  (colour, index) =>
    `.s${index} { stroke: var(${colour}); fill: var(${colour}); } .s${index} polyline { stroke-dasharray: ${DASHES[index]}; } .swatch.s${index} { background: var(${colour}); }`,
).join('\n');

const styleIndex = (index: number) => index % COLOURS.length;

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

/** "2026-01-31 14:05 UTC", or with seconds ("14:05:09") where runs are minutes apart. */
export function formatRunTime(ms: number, seconds = false): string {
  return `${new Date(ms).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ')} UTC`;
}

/**
 * Up to `count` evenly spaced times across [first, last] for the x axis; one tick when all
 * runs started at the same moment.
 */
export function timeTicks(times: readonly number[], count = 5): number[] {
  if (times.length === 0) return [];
  const first = Math.min(...times);
  const last = Math.max(...times);
  if (first === last) return [first];
  return Array.from({ length: count }, (_, index) => first + ((last - first) * index) / (count - 1));
}

/** x position of a time: proportional to elapsed time, so runs far apart are drawn far apart. */
export function timeScale(times: readonly number[], left: number, width: number): (time: number) => number {
  const first = Math.min(...times);
  const span = Math.max(...times) - first;
  return (time) => left + (span === 0 ? width / 2 : ((time - first) / span) * width);
}

function markerPath(marker: Marker, cx: number, cy: number): string {
  const r = 4;
  switch (marker) {
    case 'circle':
      return `<circle cx="${cx}" cy="${cy}" r="${r}"/>`;
    case 'square':
      return `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}"/>`;
    case 'triangle':
      return `<polygon points="${cx},${cy - r - 1} ${cx + r + 1},${cy + r} ${cx - r - 1},${cy + r}"/>`;
    case 'triangle-down':
      return `<polygon points="${cx},${cy + r + 1} ${cx + r + 1},${cy - r} ${cx - r - 1},${cy - r}"/>`;
    case 'diamond':
      return `<polygon points="${cx},${cy - r - 1} ${cx + r + 1},${cy} ${cx},${cy + r + 1} ${cx - r - 1},${cy}"/>`;
    case 'cross':
      return `<path class="stroked" d="M${cx - r},${cy - r}L${cx + r},${cy + r}M${cx - r},${cy + r}L${cx + r},${cy - r}"/>`;
    case 'plus':
      return `<path class="stroked" d="M${cx - r},${cy}L${cx + r},${cy}M${cx},${cy - r}L${cx},${cy + r}"/>`;
  }
}

/** The chart for series over runs started at `times` (ms since the epoch, oldest first). */
export function chartSvg(series: readonly Series[], times: readonly number[]): string {
  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = timeScale(times, MARGIN.left, plotWidth);
  const y = (rate: number) => MARGIN.top + (1 - rate) * plotHeight;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((rate) => `<line class="grid" x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${y(rate)}" y2="${y(rate)}"/><text class="axis" x="${MARGIN.left - 8}" y="${y(rate) + 4}" text-anchor="end">${rate * 100}%</text>`)
    .join('');
  const lines = series
    .map((serie, index) => {
      const style = styleIndex(index);
      const points = serie.points.flatMap((rate, i) => (rate === null ? [] : [{ cx: Number(x(times[i]!).toFixed(1)), cy: Number(y(rate).toFixed(1)), rate, time: times[i]! }]));
      const markers = points
        .map((point) => `<g class="point"><title>${escapeXml(`${serie.name} · ${formatRunTime(point.time, true)} · ${formatPercent(point.rate)}`)}</title>${markerPath(MARKERS[style]!, point.cx, point.cy)}</g>`)
        .join('');
      const line = points.map((point) => `${point.cx},${point.cy}`).join(' ');
      return `<g class="s${style}${index === 0 ? ' overall' : ''}"><polyline points="${line}"><title>${escapeXml(serie.name)}</title></polyline>${markers}</g>`;
    })
    .join('');
  // Runs within an hour of each other would share tick labels to the minute.
  const seconds = Math.max(...times) - Math.min(...times) < HOUR;
  const ticks = timeTicks(times)
    .map((time) => {
      const [date, clock] = formatRunTime(time, seconds).split(' ');
      return `<line class="grid" x1="${x(time)}" x2="${x(time)}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight + 4}"/><text class="axis" x="${x(time)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle"><tspan x="${x(time)}">${date}</tspan><tspan x="${x(time)}" dy="13">${clock}</tspan></text>`;
    })
    .join('');
  const titles =
    `<text class="axis-title" x="${MARGIN.left + plotWidth / 2}" y="${CHART_HEIGHT - 6}" text-anchor="middle">Run started (UTC)</text>` +
    `<text class="axis-title" transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">Match rate</text>`;
  const legend = series
    .map((serie, index) => `<span class="key"><span class="swatch s${styleIndex(index)}"></span>${escapeXml(serie.name)} <span class="marker">(${MARKERS[styleIndex(index)]})</span></span>`)
    .join('');
  return `<div class="chart"><svg role="img" aria-label="Match rate per run over time" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}">${grid}${ticks}${titles}${lines}</svg></div><div class="legend">${legend}</div>`;
}
