/**
 * A stack README (its `readme` output, Markdown) drawn as elements: headings, paragraphs, lists,
 * fenced code, inline code, emphasis and links. Built from text nodes only — nothing the stack
 * holds is ever parsed as HTML — and links keep their text but lead nowhere unless they are
 * relative or https (no script, data or mail URLs).
 */

type Inline = Node | string;

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|_[^_]+_)|(\[[^\]]+\]\([^)\s]+\))/g;

function inline(text: string): Inline[] {
  const out: Inline[] = [];
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > at) out.push(text.slice(at, match.index));
    const [whole, code, strong, em, anchor] = match;
    if (code) out.push(element('code', [code.slice(1, -1)]));
    else if (strong) out.push(element('strong', inline(strong.slice(2, -2))));
    else if (em) out.push(element('em', inline(em.slice(1, -1))));
    else if (anchor) {
      const split = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(anchor);
      const label = split?.[1] ?? anchor;
      const href = split?.[2] ?? '';
      out.push(safeHref(href) ? element('a', inline(label), { href, rel: 'noreferrer noopener' }) : label);
    } else out.push(whole);
    at = match.index + whole.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function safeHref(href: string): boolean {
  return /^https:\/\//i.test(href) || /^(\/|#|\.\/)/.test(href);
}

function element(tag: string, children: Inline[], attrs: Record<string, string> = {}): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The README's blocks, ready to append; headings start at h3 (the page has its h1 and the section's h2). */
export function renderMarkdown(source: string): HTMLElement[] {
  const blocks: HTMLElement[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length) blocks.push(element('p', inline(paragraph.join(' '))));
    paragraph = [];
    if (list) blocks.push(element(list.ordered ? 'ol' : 'ul', list.items.map((item) => element('li', inline(item)))));
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^```/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^```/.test(lines[i] ?? ''); i++) code.push(lines[i] ?? '');
      blocks.push(element('pre', [element('code', [code.join('\n')])]));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1].length + 2);
      blocks.push(element(`h${level}`, inline(heading[2].trim())));
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      const ordered = item[2] !== undefined;
      if (paragraph.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[3]);
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (list) flush();
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}
