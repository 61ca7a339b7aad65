import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePort } from './free-port.util';

void describe(freePort.name, () => {
  void it('returns a port that can then be bound on 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(port > 1024 && port < 65536, String(port));
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
