/**
 * Small bar charts as plain data (an SVG element tree), drawn by the page with the DOM and tested
 * without one. No chart library: the console loads nothing from elsewhere, and these are a few
 * rectangles. Every chart has a `<title>`, an aria label per bar and a table fallback built from the
 * same numbers (the page puts it next to the chart for screen readers).
 */

export interface SvgNode {
  tag: 'svg' | 'g' | 'rect' | 'text' | 'title' | 'line';
  attrs: Record<string, string>;
  children: Array<SvgNode | string>;
}

/** One bar: a label (under it) and its stacked parts, bottom first. */
export interface Bar {
  label: string;
  parts: Array<{ series: string; value: number }>;
}

export interface BarChart {
  svg: SvgNode;
  /** The same numbers as rows, for the table fallback: header then one row per bar. */
  table: { head: string[]; rows: string[][] };
}

const WIDTH = 640;
const HEIGHT = 200;
const MARGIN = { top: 10, right: 10, bottom: 30, left: 40 };

/** Rounds a maximum up to 1, 2 or 5 times a power of ten, so the axis ends on a readable number. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Maps `[0, max]` onto `[height, 0]` (SVG's y grows downwards). */
export function linearScale(max: number, height: number): (value: number) => number {
  const top = max > 0 ? max : 1;
  return (value) => height - (Math.max(0, Math.min(value, top)) / top) * height;
}

function node(tag: SvgNode['tag'], attrs: Record<string, string>, ...children: Array<SvgNode | string>): SvgNode {
  return { tag, attrs, children };
}

const round = (n: number) => String(Math.round(n * 10) / 10);

/**
 * Bars, stacked by series, with a y axis from 0 to a readable maximum. `series` fixes the order
 * (and the CSS class `series-<name>`) of the parts; `unit` follows each number in labels.
 */
export function barChart(title: string, bars: readonly Bar[], series: readonly string[], unit = ''): BarChart {
  const totals = bars.map((bar) => bar.parts.reduce((sum, part) => sum + Math.max(0, part.value), 0));
  const max = niceCeiling(Math.max(0, ...totals));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = linearScale(max, plotHeight);
  const slot = bars.length === 0 ? plotWidth : plotWidth / bars.length;
  const barWidth = Math.max(1, Math.min(slot * 0.7, 60));
  const suffix = unit ? ` ${unit}` : '';
  const groups = bars.map((bar, index) => {
    const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
    let base = 0;
    const rects: SvgNode[] = [];
    for (const name of series) {
      const value = bar.parts.filter((part) => part.series === name).reduce((sum, part) => sum + Math.max(0, part.value), 0);
      if (value === 0) continue;
      const top = y(base + value);
      rects.push(node('rect', { x: round(x), y: round(MARGIN.top + top), width: round(barWidth), height: round(y(base) - top), class: `series-${name}` }, node('title', {}, `${name}: ${value}${suffix}`)));
      base += value;
    }
    const description = bar.parts.length === 0 ? 'none' : series.map((name) => `${name} ${bar.parts.filter((p) => p.series === name).reduce((s, p) => s + p.value, 0)}${suffix}`).join(', ');
    // The svg is one image (role img): its parts are presentational, so each bar says what it is in a
    // tooltip, and the table fallback carries the numbers for screen readers.
    return node(
      'g',
      { class: 'bar', 'data-label': bar.label },
      node('title', {}, `${bar.label}: ${description}`),
      ...rects,
      node('text', { x: round(x + barWidth / 2), y: String(HEIGHT - MARGIN.bottom + 14), 'text-anchor': 'middle', class: 'axis-label' }, bar.label),
    );
  });
  const axis = [
    node('line', { x1: String(MARGIN.left), x2: String(WIDTH - MARGIN.right), y1: String(HEIGHT - MARGIN.bottom), y2: String(HEIGHT - MARGIN.bottom), class: 'axis' }),
    node('text', { x: String(MARGIN.left - 4), y: String(MARGIN.top + 4), 'text-anchor': 'end', class: 'axis-label' }, `${max}${suffix}`),
    node('text', { x: String(MARGIN.left - 4), y: String(HEIGHT - MARGIN.bottom), 'text-anchor': 'end', class: 'axis-label' }, '0'),
  ];
  const svg = node(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': bars.length === 0 ? `${title}: no data` : title, class: 'chart' },
    node('title', {}, title),
    ...axis,
    node('g', {}, ...groups),
  );
  const head = ['', ...series.map((name) => (unit ? `${name} (${unit})` : name))];
  const rows = bars.map((bar) => [bar.label, ...series.map((name) => String(bar.parts.filter((p) => p.series === name).reduce((s, p) => s + p.value, 0)))]);
  return { svg, table: { head, rows } };
}

/** Counts per day (UTC, `YYYY-MM-DD`) and result, oldest day first: the updates-over-time chart's bars. */
export function updatesPerDay(updates: ReadonlyArray<{ startTime: number; result: string }>): Bar[] {
  const days = new Map<string, Map<string, number>>();
  for (const update of updates) {
    const day = new Date(update.startTime * 1000).toISOString().slice(0, 10);
    const results = days.get(day) ?? new Map<string, number>();
    results.set(update.result, (results.get(update.result) ?? 0) + 1);
    days.set(day, results);
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, results]) => ({ label, parts: [...results.entries()].map(([series, value]) => ({ series, value })) }));
}
