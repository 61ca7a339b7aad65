import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { MissingPeerError, requirePeer } from './require-peer.util';
import { removeTempDir, tempDir } from './temp-dir.util';

const CHROMIUM_HINT = 'bash scripts/peers/chromium.sh (unpacks Debian chromium and the libraries it needs into ~/.cache/stackyard/peers/chromium-<version>)';

/**
 * Flags for a browser that talks to nothing but the pages a test opens (test-peers.md §10): no
 * background fetches, updates, sync or QUIC. No sandbox: tests run as root in containers.
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

/** Where scripts/peers/chromium.sh unpacked the newest version, and the library path it recorded. */
function provisionedChromium(): { binary: string; libraryPath: string } {
  const override = process.env['STACKYARD_CHROMIUM'];
  if (override) return { binary: requirePeer('chromium', override, CHROMIUM_HINT), libraryPath: '' };
  const peers = join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'peers');
  const versions = existsSync(peers) ? readdirSync(peers).filter((d) => d.startsWith('chromium-') && existsSync(join(peers, d, 'LD_LIBRARY_PATH'))) : [];
  const newest = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  if (!newest) throw new MissingPeerError('chromium', `no provisioned chromium-<version> under ${peers}`, CHROMIUM_HINT);
  const dir = join(peers, newest);
  return { binary: requirePeer('chromium', join(dir, 'root', 'usr', 'lib', 'chromium', 'chromium'), CHROMIUM_HINT), libraryPath: readFileSync(join(dir, 'LD_LIBRARY_PATH'), 'utf8').trim() };
}

/** Chromium's way to accept exactly these server certificates (and no others): base64 SHA-256 of each public key. */
function spkiHashes(certificatePems: string[]): string[] {
  return certificatePems.map((pem) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
}

/** A page whose every request is recorded, so a test can check where the browser went. */
export interface RecordedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested (navigations, scripts, styles, fetches), in order. */
  requests: string[];
}

export interface ChromiumPeer {
  browser: Browser;
  /** A fresh context (own cookies) and page at `width`×`height` (default 1280×800). */
  newPage(options?: { width?: number; height?: number }): Promise<RecordedPage>;
  stop(): Promise<void>;
}

export interface StartChromiumOptions {
  /**
   * PEM certificates of the test servers the browser must accept (the installation's public
   * certificate): accepted by public key, so any other untrusted certificate still fails.
   */
  serverCertificates?: string[];
  /** Host names the browser resolves to 127.0.0.1 (a test's `/etc/hosts`), e.g. `app.stackyard.test`. */
  loopbackHosts?: string[];
}

/**
 * Debian's Chromium (unpacked by scripts/peers/chromium.sh, never downloaded by Playwright)
 * driven by playwright-core: headless, isolated profile, nothing fetched in the background.
 */
export async function startChromium(options: StartChromiumOptions = {}): Promise<ChromiumPeer> {
  const { binary, libraryPath } = provisionedChromium();
  const profileParent = tempDir('stackyard-chromium');
  const args = [...CHROMIUM_ARGS];
  if (options.serverCertificates?.length) args.push(`--ignore-certificate-errors-spki-list=${spkiHashes(options.serverCertificates).join(',')}`);
  if (options.loopbackHosts?.length) args.push(`--host-resolver-rules=${options.loopbackHosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  if (libraryPath) env['LD_LIBRARY_PATH'] = [libraryPath, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  // Chromium keeps its caches under HOME/XDG dirs; keep them inside the test's directory.
  env['HOME'] = profileParent;
  env['XDG_CONFIG_HOME'] = join(profileParent, 'config');
  env['XDG_CACHE_HOME'] = join(profileParent, 'cache');
  const browser = await chromium.launch({ executablePath: binary, args, env, headless: true, timeout: 60_000 });
  return {
    browser,
    async newPage(size = {}) {
      const context = await browser.newContext({ viewport: { width: size.width ?? 1280, height: size.height ?? 800 } });
      const requests: string[] = [];
      context.on('request', (request) => requests.push(request.url()));
      const page = await context.newPage();
      return { page, context, requests };
    },
    async stop() {
      await browser.close().catch(() => undefined);
      removeTempDir(profileParent);
    },
  };
}
