import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { type AuditRecord, type AuditRecordFields, chainAuditRecords, normalizeAuditEvent } from '@stackyard/identity-domain';
import type { AuditEventInput, Principal } from '@stackyard/shared-contracts';
import { IdentityDatabase } from './identity.database';

/** Events per transaction: big enough to absorb a burst, small enough to hold the head lock briefly. */
const MAX_EVENTS_PER_APPEND = 500;

interface PendingAppend {
  fields: AuditRecordFields[];
  resolve: (records: AuditRecord[]) => void;
  reject: (error: unknown) => void;
}

/** Told about every batch of links once it is committed (the syslog stream listens). */
export type AuditStoredListener = (records: readonly AuditRecord[]) => void;

/**
 * Identity's one way to record a security-relevant event: appended to the stored, hash-chained
 * audit log (apps/identity migration AuditLog) and written as an `audit` log line.
 *
 * Concurrent callers share transactions: whatever arrives while one append is committing goes
 * into the next, so a burst costs a few lock round trips rather than one each.
 */
@Injectable()
export class AuditTrail implements BeforeApplicationShutdown {
  private readonly log = new Logger('audit');
  /** Not `audit`: that context carries only event lines, which log pipelines parse as JSON. */
  private readonly problems = new Logger('AuditTrail');
  private readonly queue: PendingAppend[] = [];
  private draining: Promise<void> | undefined;
  private readonly listeners: AuditStoredListener[] = [];

  constructor(private readonly database: IdentityDatabase) {}

  /**
   * Stores the event and logs it. `logLine`, when given, is what the `audit` log line says instead
   * of the event itself: the detailed, machine-oriented line (reason codes, ids) that operators'
   * log alerting already matches on. Never throws: a failed append is logged as an error with the
   * event, and the caller's request goes on.
   */
  async record(event: AuditEventInput, logLine?: Readonly<Record<string, unknown>>): Promise<void> {
    this.log.log(JSON.stringify(logLine ?? event));
    try {
      await this.append([event]);
    } catch (error) {
      this.problems.error(`could not store audit event ${event.event}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Stores events other services sent (one or more transactions); rejects if the store fails, so
   * they retry. No log line here: the sending service wrote its own when the event happened.
   */
  recordMany(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    return this.append(events);
  }

  onStored(listener: AuditStoredListener): void {
    this.listeners.push(listener);
  }

  private append(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    if (events.length === 0) return Promise.resolve([]);
    const fields = events.map(normalizeAuditEvent);
    return new Promise<AuditRecord[]>((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Stores what is still queued before the database closes (DataSourceCloser runs after this). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: PendingAppend[] = [];
        let size = 0;
        while (this.queue.length > 0 && (batch.length === 0 || size + this.queue[0].fields.length <= MAX_EVENTS_PER_APPEND)) {
          const next = this.queue.shift()!;
          batch.push(next);
          size += next.fields.length;
        }
        try {
          const records = await this.commit(batch.flatMap((p) => p.fields));
          let offset = 0;
          for (const pending of batch) {
            pending.resolve(records.slice(offset, offset + pending.fields.length));
            offset += pending.fields.length;
          }
          this.notify(records);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** One transaction: lock the head, link the events onto it, insert them, move the head. */
  private commit(fields: readonly AuditRecordFields[]): Promise<AuditRecord[]> {
    return this.database.transaction(async (repositories) => {
      const head = await repositories.auditLog.lockHead();
      const records = chainAuditRecords(head.lastSequence, head.lastHash, fields);
      await repositories.auditLog.append(records);
      return records;
    });
  }

  private notify(records: readonly AuditRecord[]): void {
    for (const listener of this.listeners) {
      try {
        listener(records);
      } catch (error) {
        this.problems.error(`an audit listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** What an identity call site says about an event; `auditEventBy` adds who acted. */
export interface IdentityAuditFacts {
  organization: string | null;
  event: string;
  description: string;
  /** The client's address when identity knows it (sign-ins, SCIM); the api's calls do not carry it. */
  sourceIp?: string | null;
  reqOrgAdmin?: boolean;
  authFailure?: boolean;
}

/**
 * Who acted, as an audit event names them: a token holder (a person, or an organization or team
 * token), a person known only by login (signing in), an actor that is no person (a SCIM client,
 * an OIDC workload, the operator) or nobody known.
 */
export type AuditActor =
  | { principal: Principal }
  | { login: string }
  | { name: string; urn: string }
  | null;

export function auditEventBy(actor: AuditActor, facts: IdentityAuditFacts, now = Date.now()): AuditEventInput {
  let who: Pick<AuditEventInput, 'user' | 'actorName' | 'actorUrn' | 'tokenId' | 'tokenName'>;
  if (actor === null) who = { user: null, actorName: 'anonymous', actorUrn: 'urn:stackyard:anonymous' };
  else if ('principal' in actor) {
    const p = actor.principal;
    const person = p.userId !== '' ? p.login : null;
    who = {
      user: person,
      actorName: person ?? `${p.token.kind} token ${p.token.name}`,
      actorUrn: person ? `urn:stackyard:user:${person}` : `urn:stackyard:token:${p.token.id}`,
      tokenId: p.token.id,
      tokenName: p.token.name,
    };
  } else if ('login' in actor) who = { user: actor.login, actorName: actor.login, actorUrn: `urn:stackyard:user:${actor.login}` };
  else who = { user: null, actorName: actor.name, actorUrn: actor.urn };
  return {
    timestamp: now,
    organization: facts.organization,
    event: facts.event,
    description: facts.description,
    sourceIp: facts.sourceIp ?? '',
    ...who,
    ...(facts.reqOrgAdmin ? { reqOrgAdmin: true } : {}),
    ...(facts.authFailure ? { authFailure: true } : {}),
  };
}
