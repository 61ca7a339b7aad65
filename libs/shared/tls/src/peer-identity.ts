import type { PeerCertificate, TLSSocket } from 'node:tls';

/**
 * The service name a mutually verified peer proves with its certificate (the `spiffe://stackyard/<x>`
 * URI SAN), or undefined when the connection is not an authorized TLS client.
 */
export function peerServiceName(socket: TLSSocket | undefined): string | undefined {
  if (!socket || typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert: PeerCertificate = socket.getPeerCertificate();
  const san = cert?.subjectaltname ?? '';
  for (const part of san.split(',')) {
    const match = /^\s*URI:spiffe:\/\/stackyard\/([a-z-]+)\s*$/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}
