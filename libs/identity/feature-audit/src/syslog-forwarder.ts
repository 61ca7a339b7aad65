import { hostname } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AuditRecord } from '@stackyard/identity-domain';
import { AuditTrail } from '@stackyard/identity-feature-tokens';
import { AUDIT_LOG_OPTIONS, type AuditLogOptions, type AuditSyslogOptions } from './audit-log.options';
import { octetCounted, type SyslogOrigin, syslogMessage } from './syslog-message';

const DEFAULT_MAX_QUEUED = 10_000;
const MAX_BACKOFF_MS = 30_000;

/** `tls://host:port` → host and port, or a sentence saying what is wrong. */
export function parseSyslogUrl(url: string): { host: string; port: number } | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL such as tls://syslog.example.internal:6514';
  }
  if (parsed.protocol !== 'tls:') return 'must use the tls: scheme (RFC 5425 syslog over TLS), e.g. tls://syslog.example.internal:6514';
  if (parsed.hostname === '' || parsed.port === '') return 'must name a host and a port, e.g. tls://syslog.example.internal:6514';
  if (parsed.pathname !== '' && parsed.pathname !== '/') return 'must not have a path';
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}

/**
 * Streams every stored audit link to a syslog server (RFC 5424 over TLS, RFC 5425 framing).
 * Never in the request path: links wait in a bounded queue while the server is away (the oldest
 * are dropped, and counted, beyond it), and the connection comes back with backoff. A message
 * handed to a connection that then fails may be lost; the stored log stays the record.
 */
@Injectable()
export class SyslogForwarder implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('audit-syslog');
  private readonly queue: Buffer[] = [];
  private socket: TLSSocket | undefined;
  private connected = false;
  private connecting = false;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private dropped = 0;
  private readonly origin: SyslogOrigin = { hostname: hostname(), appName: 'stackyard-identity', procId: String(process.pid) };
  private readonly settings: (AuditSyslogOptions & { host: string; port: number }) | undefined;

  constructor(
    private readonly trail: AuditTrail,
    @Inject(AUDIT_LOG_OPTIONS) options: AuditLogOptions,
  ) {
    if (options.syslog) {
      const target = parseSyslogUrl(options.syslog.url);
      if (typeof target === 'string') throw new Error(`STACKYARD_AUDIT_SYSLOG_URL ${target}`);
      this.settings = { ...options.syslog, ...target };
    }
  }

  /** Messages dropped because the queue was full (the server was away too long). */
  get droppedCount(): number {
    return this.dropped;
  }

  onModuleInit(): void {
    if (!this.settings) return;
    this.trail.onStored((records) => this.enqueue(records));
    this.connect();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearTimeout(this.retry);
    // Give queued messages to the socket, then close it; end() flushes what was written.
    this.writeQueued();
    this.socket?.end();
  }

  private enqueue(records: readonly AuditRecord[]): void {
    const max = this.settings?.maxQueued ?? DEFAULT_MAX_QUEUED;
    for (const record of records) {
      if (this.queue.length >= max) {
        this.queue.shift();
        this.dropped += 1;
        if (this.dropped === 1 || this.dropped % 1000 === 0) this.log.warn(`syslog server unreachable and ${max} audit messages queued: dropped ${this.dropped} so far (the stored audit log keeps them)`);
      }
      this.queue.push(octetCounted(syslogMessage(record, this.origin)));
    }
    this.writeQueued();
  }

  private writeQueued(): void {
    if (!this.connected || !this.socket) return;
    while (this.queue.length > 0) {
      // write() buffers in the socket when the kernel is busy; the queue only holds while disconnected.
      this.socket.write(this.queue.shift()!);
    }
  }

  private connect(): void {
    const settings = this.settings;
    if (!settings || this.closed || this.connecting) return;
    this.connecting = true;
    const socket = connect({ host: settings.host, port: settings.port, servername: /^[\d.]+$|:/.test(settings.host) ? undefined : settings.host, ...(settings.caPem ? { ca: settings.caPem } : {}) });
    this.socket = socket;
    socket.setKeepAlive(true, 30_000);
    socket.once('secureConnect', () => {
      this.connecting = false;
      this.connected = true;
      if (this.failures > 0) this.log.log(`reconnected to syslog server ${settings.host}:${settings.port}`);
      this.failures = 0;
      this.writeQueued();
    });
    // A syslog server sends nothing back on this transport; reading keeps the socket flowing.
    socket.on('data', () => undefined);
    socket.on('error', (error: Error) => {
      if (this.failures === 0 || this.failures % 20 === 0) this.log.warn(`syslog server ${settings.host}:${settings.port}: ${error.message}; audit messages are queued until it is back`);
    });
    socket.once('close', () => {
      this.connected = false;
      this.connecting = false;
      if (this.socket === socket) this.socket = undefined;
      if (this.closed) return;
      this.failures += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 8));
      this.retry = setTimeout(() => this.connect(), delay);
      this.retry.unref();
    });
  }
}
