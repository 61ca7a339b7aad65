import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ChromiumPeer, startChromium } from './chromium.peer';

void describe("Debian's Chromium driven by playwright-core", () => {
  let chromium: ChromiumPeer;
  const server = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end("document.getElementById('out').textContent = 'script ran'; fetch('/data').then(r => r.text()).then(t => { document.getElementById('data').textContent = t; });");
      return;
    }
    if (req.url === '/data') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('fetched');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>t</title><p id="out"></p><p id="data"></p><script src="/app.js"></script>');
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    chromium = await startChromium();
  });
  after(async () => {
    await chromium?.stop();
    server.close();
  });

  void it('runs a page’s scripts and records every request it makes', async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { page, requests, context } = await chromium.newPage();
    await page.goto(`${origin}/`);
    await page.locator('#data', { hasText: 'fetched' }).waitFor();
    assert.equal(await page.locator('#out').textContent(), 'script ran');
    assert.deepEqual(requests, [`${origin}/`, `${origin}/app.js`, `${origin}/data`]);
    assert.ok((await page.screenshot()).length > 1000, 'a screenshot');
    await context.close();
  });
});
