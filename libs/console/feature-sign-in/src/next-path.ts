/** Where a browser goes after signing in when it asked for nowhere (or for somewhere unsafe). */
export const DEFAULT_NEXT_PATH = '/';

const MAX_NEXT_PATH_LENGTH = 2048;
const PROBE_ORIGIN = 'https://console.invalid';

/**
 * The `next` target after sign-in, if it is a path on this console: one leading `/`, then printable
 * ASCII without backslashes. Everything else becomes `/`, because browsers read `//host`, `/\host`
 * and `/<tab>/host` as other origins (they drop tabs and newlines, and treat `\` as `/`), and an
 * open redirect after sign-in is a phishing tool.
 */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_NEXT_PATH_LENGTH) return DEFAULT_NEXT_PATH;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(raw) || raw.includes('\\')) return DEFAULT_NEXT_PATH;
  // Belt and braces: whatever a URL parser makes of it must stay on this origin.
  try {
    if (new URL(raw, PROBE_ORIGIN).origin !== PROBE_ORIGIN) return DEFAULT_NEXT_PATH;
  } catch {
    return DEFAULT_NEXT_PATH;
  }
  return raw;
}

/** `/login`, carrying where to return afterwards (omitted when that is the default). */
export function loginPath(next: string): string {
  const safe = safeNextPath(next);
  return safe === DEFAULT_NEXT_PATH ? '/login' : `/login?${new URLSearchParams({ next: safe }).toString()}`;
}
