import { seconds } from './log';

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds for a table cell: two decimals under 10 ms, one up to a second, then seconds. */
export const ms = (v: number | undefined) => (v === undefined ? '—' : v >= 1000 ? seconds(v) : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
