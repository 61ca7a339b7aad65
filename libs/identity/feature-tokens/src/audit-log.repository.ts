import { type EntityManager, type Repository } from 'typeorm';
import type { AuditRecord } from '@stackyard/identity-domain';
import { AuditChainHeadEntity, AuditLogEntryEntity } from './audit-log.entity';

const HEAD_ID = 1;

/** What a page of one organization's audit log is filtered by; every bound is optional. */
export interface AuditLogFilter {
  organization: string;
  /** Epoch milliseconds, inclusive. */
  fromTimestamp?: number;
  /** Epoch milliseconds, exclusive. */
  untilTimestamp?: number;
  user?: string;
  events?: readonly string[];
  /** Only links older than this sequence (the continuation of a newest-first listing). */
  beforeSequence?: number;
}

export interface AuditChainHead {
  lastSequence: number;
  lastHash: string;
}

function toRecord(row: AuditLogEntryEntity): AuditRecord {
  return {
    sequence: row.sequence,
    prevHash: row.prevHash,
    hash: row.hash,
    timestamp: row.timestamp,
    organization: row.organization,
    event: row.event,
    description: row.description,
    sourceIp: row.sourceIp,
    user: row.user,
    tokenId: row.tokenId,
    tokenName: row.tokenName,
    actorName: row.actorName,
    actorUrn: row.actorUrn,
    // mysql2 hands TINYINT(1) back as 0/1 where TypeORM does not map it.
    reqOrgAdmin: Boolean(row.reqOrgAdmin),
    reqStackAdmin: Boolean(row.reqStackAdmin),
    authFailure: Boolean(row.authFailure),
    requestId: row.requestId,
  };
}

/** The audit log and its chain head. Appends must run inside one transaction that first calls `lockHead`. */
export class AuditLogRepository {
  private readonly entries: Repository<AuditLogEntryEntity>;
  private readonly heads: Repository<AuditChainHeadEntity>;

  constructor(private readonly manager: EntityManager) {
    this.entries = manager.getRepository(AuditLogEntryEntity);
    this.heads = manager.getRepository(AuditChainHeadEntity);
  }

  /**
   * Takes the chain head for the rest of the transaction, so one writer at a time (across every
   * replica) appends. MySQL/MariaDB: a row lock (`SELECT … FOR UPDATE`). SQLite: a write as the
   * transaction's first statement takes the file's write lock before anything is read (waiting
   * out the busy timeout), so the head read next is the latest one.
   */
  async lockHead(): Promise<AuditChainHead> {
    const sqlite = this.manager.connection.options.type === 'better-sqlite3';
    if (sqlite) await this.manager.query('UPDATE audit_chain_head SET last_sequence = last_sequence WHERE id = ?', [HEAD_ID]);
    const query = this.heads.createQueryBuilder('head').where('head.id = :id', { id: HEAD_ID });
    const head = await (sqlite ? query : query.setLock('pessimistic_write')).getOne();
    if (!head) throw new Error('the audit chain head row is missing (was the AuditLog migration run?)');
    return { lastSequence: head.lastSequence, lastHash: head.lastHash };
  }

  async head(): Promise<AuditChainHead> {
    const head = await this.heads.findOneBy({ id: HEAD_ID });
    if (!head) throw new Error('the audit chain head row is missing (was the AuditLog migration run?)');
    return { lastSequence: head.lastSequence, lastHash: head.lastHash };
  }

  /** Inserts linked records and moves the head to the last one (inside the `lockHead` transaction). */
  async append(records: readonly AuditRecord[]): Promise<void> {
    const last = records.at(-1);
    if (!last) return;
    // Chunks keep each INSERT well under SQLite's bound-parameter limit.
    for (let i = 0; i < records.length; i += 50) await this.entries.insert(records.slice(i, i + 50).map((r) => this.entries.create(r)));
    await this.heads.update({ id: HEAD_ID }, { lastSequence: last.sequence, lastHash: last.hash });
  }

  /** Up to `limit` links after `afterSequence`, in sequence order (the verifier's walk). */
  async walk(afterSequence: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.entries.createQueryBuilder('e').where('e.sequence > :after', { after: afterSequence }).orderBy('e.sequence', 'ASC').limit(limit).getMany();
    return rows.map(toRecord);
  }

  /** One organization's links matching `filter`, newest first, at most `limit`. */
  async page(filter: AuditLogFilter, limit: number): Promise<AuditRecord[]> {
    const query = this.entries.createQueryBuilder('e').where('e.organization = :organization', { organization: filter.organization });
    if (filter.fromTimestamp !== undefined) query.andWhere('e.timestamp >= :from', { from: filter.fromTimestamp });
    if (filter.untilTimestamp !== undefined) query.andWhere('e.timestamp < :until', { until: filter.untilTimestamp });
    if (filter.user !== undefined) query.andWhere('e.user_login = :user', { user: filter.user });
    if (filter.events !== undefined && filter.events.length > 0) query.andWhere('e.event IN (:...events)', { events: filter.events });
    if (filter.beforeSequence !== undefined) query.andWhere('e.sequence < :before', { before: filter.beforeSequence });
    const rows = await query.orderBy('e.sequence', 'DESC').limit(limit).getMany();
    return rows.map(toRecord);
  }
}
