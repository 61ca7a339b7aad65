import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort, freePorts } from './free-port';

describe('freePorts', () => {
  it('returns distinct ports that can be bound on loopback right away', async () => {
    const ports = await freePorts(8);
    assert.equal(new Set(ports).size, 8);
    for (const port of ports) {
      assert.ok(port > 0 && port < 65536);
      await new Promise<void>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
      });
    }
  });

  it('freePort returns one usable port', async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0);
  });
});
