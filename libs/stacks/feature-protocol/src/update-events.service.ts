import { Injectable } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { EngineEvent, UpdateInfo, UpdateResults } from '@stackyard/shared-contracts';
import { decodeContinuationToken, encodeContinuationToken } from '@stackyard/stacks-domain';
import {
  type StackEntity,
  type UpdateEntity,
  type UpdateEventEntity,
  UpdateEventRepository,
  UpdateRepository,
} from '@stackyard/stacks-data-access';
import { requireObject } from './request-validation.util';

const MAX_EVENTS_PER_BATCH = 1000;
const EVENTS_PAGE = 500;
const META_KEYS = new Set(['sequence', 'timestamp']);
/** The engine's step operations (pulumi-protocol.md §3.9); anything else in a summary is dropped. */
const RESOURCE_OPS = new Set([
  'same', 'create', 'update', 'delete', 'replace', 'create-replacement', 'delete-replaced', 'read', 'read-replacement',
  'refresh', 'discard', 'discard-replaced', 'remove-pending-replace', 'import', 'import-replacement',
]);

/** Engine events (stored, deduplicated by sequence) and the history views built from updates. */
@Injectable()
export class UpdateEventsService {
  constructor(
    private readonly updates: UpdateRepository,
    private readonly events: UpdateEventRepository,
  ) {}

  async recordBatch(update: UpdateEntity, body: unknown): Promise<void> {
    const req = requireObject(body);
    const list = req['events'];
    if (!Array.isArray(list)) throw ApiError.badRequest("'events' must be an array");
    if (list.length > MAX_EVENTS_PER_BATCH) throw ApiError.badRequest(`a batch holds at most ${MAX_EVENTS_PER_BATCH} events`);
    const rows: UpdateEventEntity[] = [];
    let summary: Record<string, unknown> | undefined;
    for (const [i, raw] of list.entries()) {
      const event = requireObject(raw, `'events[${i}]'`);
      const sequence = event['sequence'];
      const timestamp = event['timestamp'];
      if (typeof sequence !== 'number' || !Number.isInteger(sequence) || sequence < 0 || sequence > 2 ** 31 - 1) {
        throw ApiError.badRequest(`'events[${i}].sequence' must be a non-negative integer`);
      }
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw ApiError.badRequest(`'events[${i}].timestamp' must be a number`);
      const kinds = Object.keys(event).filter((k) => !META_KEYS.has(k) && event[k] !== null && typeof event[k] === 'object');
      if (kinds.length !== 1) throw ApiError.badRequest(`'events[${i}]' must carry exactly one event payload`);
      const kind = kinds[0];
      if (kind.length > 64) throw ApiError.badRequest(`'events[${i}]' has an unknown event kind`);
      const payload = event[kind] as Record<string, unknown>;
      if (kind === 'summaryEvent') summary = payload;
      const metadata = payload['metadata'] as Record<string, unknown> | undefined;
      const urnValue = (metadata && typeof metadata['urn'] === 'string' ? metadata['urn'] : payload['urn']);
      rows.push({
        updateId: update.id,
        sequence,
        timestamp: Math.round(timestamp),
        kind,
        urn: typeof urnValue === 'string' && urnValue.length <= 1024 ? urnValue : null,
        body: JSON.stringify(event),
      });
    }
    await this.events.insertIgnoringDuplicates(rows);
    if (summary && summary['isPreview'] !== true) {
      const changes = summary['resourceChanges'];
      if (changes && typeof changes === 'object' && !Array.isArray(changes)) {
        const clean: Record<string, number> = {};
        for (const [op, n] of Object.entries(changes as Record<string, unknown>)) {
          if (RESOURCE_OPS.has(op) && typeof n === 'number' && Number.isInteger(n) && n >= 0) clean[op] = n;
        }
        await this.updates.setFields(update.id, { resourceChanges: clean });
      }
    }
  }

  async page(stack: StackEntity, updateId: string, query: { continuationToken?: string; type?: string | string[]; urn?: string }) {
    const update = await this.findUpdate(stack, updateId);
    let after = -1;
    if (query.continuationToken) {
      const decoded = decodeContinuationToken(query.continuationToken) as { s?: unknown } | undefined;
      if (!decoded || typeof decoded.s !== 'number') throw ApiError.badRequest('invalid continuationToken');
      after = decoded.s;
    }
    const kinds = query.type === undefined ? undefined : Array.isArray(query.type) ? query.type : [query.type];
    const rows = await this.events.page(update.id, after, EVENTS_PAGE, kinds, query.urn);
    const events = rows.map((r) => JSON.parse(r.body) as EngineEvent);
    const last = rows.at(-1);
    const more = rows.length === EVENTS_PAGE || (update.status === 'running' && !!last);
    return { events, continuationToken: more && last ? encodeContinuationToken({ s: last.sequence }) : null };
  }

  async results(stack: StackEntity, updateId: string): Promise<UpdateResults> {
    const update = await this.findUpdate(stack, updateId);
    const status = update.status === 'not-started' ? 'not started' : update.status === 'cancelled' ? 'failed' : update.status;
    return { status, events: [], continuationToken: null };
  }

  async history(stack: StackEntity, page: number, pageSize: number): Promise<{ updates: UpdateInfo[] }> {
    const rows = await this.updates.history(stack.id, page, pageSize);
    return { updates: rows.map((u) => toUpdateInfo(u)) };
  }

  async latest(stack: StackEntity): Promise<{ info: UpdateInfo }> {
    const [row] = await this.updates.history(stack.id, 1, 1);
    if (!row) throw ApiError.notFound(`Stack '${stack.stackName}' has no updates`);
    return { info: toUpdateInfo(row) };
  }

  private async findUpdate(stack: StackEntity, updateId: string): Promise<UpdateEntity> {
    const update = await this.updates.findById(updateId);
    if (!update || update.stackId !== stack.id) throw ApiError.notFound(`Update '${updateId}' not found`);
    return update;
  }
}

export function toUpdateInfo(u: UpdateEntity): UpdateInfo {
  const result = u.status === 'running' ? 'in-progress' : u.status === 'succeeded' ? 'succeeded' : u.status === 'not-started' ? 'not-started' : 'failed';
  const info: UpdateInfo = {
    // Pulumi Cloud's history entries carry the update's id too; the console links to the update with it.
    updateID: u.id,
    kind: u.kind as UpdateInfo['kind'],
    startTime: Math.floor((u.startedAt ?? u.createdAt) / 1000),
    endTime: u.endedAt ? Math.floor(u.endedAt / 1000) : 0,
    message: u.message,
    environment: u.environment ?? {},
    config: (u.config ?? {}) as UpdateInfo['config'],
    result,
    version: u.version,
  };
  if (u.resourceChanges) info.resourceChanges = u.resourceChanges;
  if (u.resourceCount !== null) info.resourceCount = u.resourceCount;
  return info;
}
