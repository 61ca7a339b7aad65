import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`. Another process can still take it before the
 * peer binds, so launchers retry with a new port when a peer reports the address in use.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
