import type { BarChart, SvgNode } from './charts.js';
import { el } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgElement(node: SvgNode): SVGElement {
  const element = document.createElementNS(SVG_NS, node.tag);
  for (const [name, value] of Object.entries(node.attrs)) element.setAttribute(name, value);
  for (const child of node.children) element.append(typeof child === 'string' ? child : svgElement(child));
  return element;
}

/** A chart as a figure: the drawing, a caption, and its numbers as a table (for screen readers, and on request). */
export function chartFigure(id: string, caption: string, chart: BarChart): HTMLElement {
  const table = el(
    'table',
    { class: 'chart-data' },
    el('thead', {}, el('tr', {}, ...chart.table.head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...chart.table.rows.map((row) => el('tr', {}, ...row.map((cell, i) => (i === 0 ? el('th', { scope: 'row' }, cell) : el('td', {}, cell)))))),
  );
  return el('figure', { class: 'chart-figure', id }, svgElement(chart.svg), el('figcaption', {}, caption), el('details', {}, el('summary', {}, `${caption}: the numbers`), table));
}
