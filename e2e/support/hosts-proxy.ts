import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP CONNECT proxy on 127.0.0.1 that plays DNS for made-up host names: `api.stackyard.test`
 * → the api's port, `app.stackyard.test` → the console's. Go's HTTP client (the CLI) uses it
 * through `HTTPS_PROXY`, so the CLI can log into `https://api.<domain>` and derive the console
 * as `https://app.<domain>`, as in production, without touching /etc/hosts. TLS stays end to end:
 * the proxy only joins sockets. Unknown hosts are refused.
 */
export async function startHostsProxy(hosts: Record<string, number>): Promise<{ url: string; tunnels: string[]; stop(): Promise<void> }> {
  const tunnels: string[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    const target = req.url ?? '';
    const host = target.slice(0, target.lastIndexOf(':'));
    const port = hosts[host];
    if (port === undefined) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.push(target);
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
