import { Inject, Injectable, Logger, type BeforeApplicationShutdown, Optional } from '@nestjs/common';
import { type AuditEventInput, type AuditEventsIngestRequest, IDENTITY_AUDIT_EVENTS_PATH } from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import { IDENTITY_CLIENT } from './identity-client.token';
import type { AuthenticatedRequest } from './request-context';

/** What a handler says about an event; who, from where and with which token come from the request. */
export interface AuditFacts {
  organization: string | null;
  event: string;
  description: string;
  reqOrgAdmin?: boolean;
  reqStackAdmin?: boolean;
  authFailure?: boolean;
}

/** How the api batches events to identity; the defaults suit production, tests shorten them. */
export interface AuditRecorderSettings {
  /** Longest an event waits before it is sent. */
  flushIntervalMs: number;
  /** Sent at once when this many are waiting. */
  batchSize: number;
  /** Most events held while identity is unreachable; beyond it the oldest are dropped and counted. */
  maxQueued: number;
  /** Backoff after a failed send: doubles from the first to the last. */
  retryMinMs: number;
  retryMaxMs: number;
}

export const AUDIT_RECORDER_SETTINGS = Symbol('AuditRecorderSettings');

const DEFAULT_SETTINGS: AuditRecorderSettings = { flushIntervalMs: 250, batchSize: 200, maxQueued: 20_000, retryMinMs: 500, retryMaxMs: 30_000 };
/** On shutdown, how long the last events may take to reach identity. */
const SHUTDOWN_FLUSH_MS = 5_000;

/**
 * The api's one way to record a security-relevant event (stack lifecycle, exports, decrypts,
 * denied requests): an `audit` log line at once, and the event queued for identity's stored,
 * hash-chained log. Never throws into the request and never waits for identity: events go in
 * batches (every `flushIntervalMs` or `batchSize` events); while identity is unreachable they
 * wait, in order, with backoff and a warning, and only beyond `maxQueued` are the oldest dropped
 * (counted in `droppedCount`). Shutdown sends what is left.
 */
@Injectable()
export class AuditRecorder implements BeforeApplicationShutdown {
  private readonly log = new Logger('audit');
  private readonly warn = new Logger('AuditRecorder');
  private readonly settings: AuditRecorderSettings;
  private queue: AuditEventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;
  private dropped = 0;

  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    @Optional() @Inject(AUDIT_RECORDER_SETTINGS) settings?: Partial<AuditRecorderSettings>,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** Events lost because identity stayed unreachable while more than `maxQueued` waited. */
  get droppedCount(): number {
    return this.dropped;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  record(req: AuthenticatedRequest, facts: AuditFacts, logLine?: Readonly<Record<string, unknown>>): void {
    this.recordEvent(auditEventOf(req, facts), logLine);
  }

  /**
   * For callers that have no request at hand. `logLine`, when given, is what the `audit` log line
   * says instead of the event (the detailed line log alerting matches on).
   */
  recordEvent(event: AuditEventInput, logLine?: Readonly<Record<string, unknown>>): void {
    this.log.log(JSON.stringify(logLine ?? event));
    if (this.queue.length >= this.settings.maxQueued) {
      const excess = this.queue.length - this.settings.maxQueued + 1;
      this.queue.splice(0, excess);
      this.dropped += excess;
      if (this.dropped === excess || this.dropped % 1000 < excess) {
        this.warn.error(`identity unreachable and ${this.settings.maxQueued} audit events waiting: dropped ${this.dropped} so far (each is still in this service's audit log lines)`);
      }
    }
    this.queue.push(event);
    if (this.queue.length >= this.settings.batchSize && Date.now() >= this.retryAt) void this.send();
    else this.schedule(this.settings.flushIntervalMs);
  }

  /**
   * Sends everything recorded so far (before answering an audit-log query, so the caller's own
   * recent actions show). Resolves when it is stored, or rejects if identity cannot be reached.
   */
  async flush(): Promise<void> {
    const target = this.queue.at(-1);
    if (target === undefined && !this.sending) return;
    for (;;) {
      await (this.sending ?? this.send());
      if (target === undefined || !this.queue.includes(target)) return;
      if (this.failures > 0) throw new Error('identity could not be reached to store audit events');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.retryAt = 0;
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while ((this.queue.length > 0 || this.sending) && Date.now() < deadline) {
      await (this.sending ?? this.send());
      if (this.failures > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (this.queue.length > 0) this.warn.error(`shutting down with ${this.queue.length} audit events not stored in identity (each is still in this service's audit log lines)`);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, Math.max(delayMs, this.retryAt - Date.now()));
    this.timer.unref();
  }

  /** One request at a time, in order: the chain keeps the api's order of events. */
  private send(): Promise<void> {
    if (this.sending) return this.sending;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.slice(0, Math.min(this.settings.batchSize, 1000));
    this.sending = this.identity
      .post(IDENTITY_AUDIT_EVENTS_PATH, { events: batch } satisfies AuditEventsIngestRequest)
      .then(
        () => {
          // Drop what was sent (those still queued: some may have been dropped meanwhile).
          const sent = new Set(batch);
          this.queue = this.queue.filter((e) => !sent.has(e));
          if (this.failures > 0) this.warn.log(`identity reachable again: audit events are being stored (${this.queue.length} waiting)`);
          this.failures = 0;
          this.retryAt = 0;
        },
        (error: unknown) => {
          this.failures += 1;
          const backoff = Math.min(this.settings.retryMaxMs, this.settings.retryMinMs * 2 ** Math.min(this.failures - 1, 16));
          this.retryAt = Date.now() + backoff;
          if (this.failures === 1 || this.failures % 10 === 0) {
            this.warn.warn(`could not send ${batch.length} audit events to identity (${error instanceof Error ? error.message : String(error)}); ${this.queue.length} waiting, retrying in ${backoff} ms`);
          }
        },
      )
      .finally(() => {
        this.sending = undefined;
        if (this.queue.length > 0) this.schedule(this.failures > 0 ? 0 : this.queue.length >= this.settings.batchSize ? 0 : this.settings.flushIntervalMs);
      });
    return this.sending;
  }
}

export function auditEventOf(req: AuthenticatedRequest, facts: AuditFacts, now = Date.now()): AuditEventInput {
  const principal = req.principal;
  const lease = req.lease;
  const person = principal && principal.userId !== '' ? principal.login : null;
  const actorName = principal
    ? person ?? `${principal.token.kind} token ${principal.token.name}`
    : lease
      ? `update ${lease.update.id}`
      : 'anonymous';
  const actorUrn = principal
    ? person
      ? `urn:stackyard:user:${person}`
      : `urn:stackyard:token:${principal.token.id}`
    : lease
      ? `urn:stackyard:update:${lease.update.id}`
      : 'urn:stackyard:anonymous';
  return {
    timestamp: now,
    organization: facts.organization,
    event: facts.event,
    description: facts.description,
    sourceIp: req.ip ?? req.socket?.remoteAddress ?? '',
    user: person,
    ...(principal ? { tokenId: principal.token.id, tokenName: principal.token.name } : {}),
    actorName,
    actorUrn,
    ...(facts.reqOrgAdmin !== undefined ? { reqOrgAdmin: facts.reqOrgAdmin } : {}),
    ...(facts.reqStackAdmin !== undefined ? { reqStackAdmin: facts.reqStackAdmin } : {}),
    ...(facts.authFailure ? { authFailure: true } : {}),
    ...(req.requestId ? { requestId: req.requestId } : {}),
  };
}
