/** Builds elements from text and children only: nothing the api sends is ever parsed as HTML. */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** A link inside the console: followed without reloading the page. */
export function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return el('a', { href, 'data-nav': '', ...attrs }, text);
}

export function timeAgo(epochSeconds: number | undefined): string {
  if (!epochSeconds) return 'never';
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - epochSeconds));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return new Date(epochSeconds * 1000).toLocaleDateString();
}

export function duration(start: number, end: number): string {
  if (!start || !end || end < start) return '—';
  const s = end - start;
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

export function badge(result: string): HTMLSpanElement {
  return el('span', { class: `badge ${result.replace(/[^a-z-]/g, '')}` }, result);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Puts a problem where the person will hear it (an alert region), replacing what was there. */
export function showProblem(region: HTMLElement, error: unknown): void {
  region.replaceChildren(el('p', { class: 'alert', role: 'alert' }, messageOf(error)));
}

/** Draws the current page again (after a change), without a new history entry, announcing what changed. */
export function refresh(notice: string): void {
  window.dispatchEvent(new CustomEvent('console:refresh', { detail: notice }));
}

/** A select of Pulumi's stack permission levels (Read, Write, Admin). */
export function permissionSelect(attrs: Record<string, string>, selected = 101): HTMLSelectElement {
  return el(
    'select',
    attrs,
    ...[101, 102, 103].map((level) => el('option', level === selected ? { value: String(level), selected: '' } : { value: String(level) }, ({ 101: 'Read', 102: 'Write', 103: 'Admin' } as Record<number, string>)[level])),
  );
}

/** A form field: its label (the control's accessible name, nothing else) above the control. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement): HTMLDivElement {
  return el('div', { class: 'field' }, el('label', { for: control.id }, label), control);
}
