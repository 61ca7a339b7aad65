import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The console's only policy for its pages: everything from this origin, nothing inline, nothing
 * from anywhere else (no CDN, no fonts), no framing.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The single page every console route answers with; the scripts draw the rest. */
export const CONSOLE_INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stackyard</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/main.js"></script>
</head>
<body>
<a class="skip" href="#app">Skip to content</a>
<header class="bar"><a class="brand" href="/console/" data-nav>Stackyard</a><nav aria-label="Console" class="sections"><a href="/console/" data-nav>Stacks</a> <a href="/console/tokens" data-nav>Access tokens</a></nav><nav aria-label="Account" id="account"></nav></header>
<main id="app" tabindex="-1"><p class="muted">Loading…</p></main>
</body>
</html>
`;

/** Asset names the console serves: flat files, no paths. */
const ASSET_NAME = /^[a-z0-9-]+\.(js|css|js\.map)$/;
const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json; charset=utf-8' };

/** The compiled scripts (apps/console-backend/web, built by its own tsconfig) and the stylesheet, read once. */
export class ConsoleAssets {
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  constructor(
    private readonly webDir: string,
    stylesheet: string,
  ) {
    this.files.set('console.css', { body: Buffer.from(stylesheet, 'utf8'), contentType: 'text/css; charset=utf-8' });
  }

  /** The asset, or undefined for a name that is not one. */
  get(name: string): { body: Buffer; contentType: string } | undefined {
    if (!ASSET_NAME.test(name)) return undefined;
    const known = this.files.get(name);
    if (known) return known;
    try {
      const body = readFileSync(join(this.webDir, name));
      const asset = { body, contentType: CONTENT_TYPES[name.split('.').at(-1) ?? ''] ?? 'application/octet-stream' };
      this.files.set(name, asset);
      return asset;
    } catch {
      return undefined;
    }
  }
}
