import { isValidLogin } from '@stackyard/identity-domain';
import type { AuditLogFilter } from '@stackyard/identity-feature-tokens';
import { ApiError } from '@stackyard/shared-errors';

export const DEFAULT_AUDIT_PAGE_SIZE = 100;
export const MAX_AUDIT_PAGE_SIZE = 1000;

/** A parsed `auditlogs` request: what to read and how much. */
export interface AuditLogQuery {
  filter: AuditLogFilter;
  pageSize: number;
}

const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** Unix seconds up to year 9999: larger would overflow milliseconds in a safe integer soon enough to be a typo. */
const MAX_UNIX_SECONDS = 253_402_300_799;

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`'${name}' must be given once`);
  return value;
}

function unixSeconds(query: Record<string, unknown>, name: string): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value) || Number(value) > MAX_UNIX_SECONDS) throw ApiError.badRequest(`'${name}' must be a time in unix seconds`);
  return Number(value);
}

/** The continuation token is the sequence the next page starts below, opaque to clients. */
export function encodeContinuationToken(beforeSequence: number): string {
  return Buffer.from(`seq:${beforeSequence}`, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): number {
  const decoded = /^[A-Za-z0-9_-]{1,40}$/.test(token) ? /^seq:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8')) : null;
  if (!decoded) throw ApiError.badRequest("'continuationToken' is not one this API returned");
  return Number(decoded[1]);
}

/**
 * Pulumi's query parameters. v1 (`/auditlogs`): `startTime` is the newest time to list from
 * (inclusive), going back. v2 (`/auditlogs/v2`): `startTime` and `endTime` bound a range
 * (both inclusive), `eventFilter` names event types (comma-separated). Both: `userFilter` (a
 * login), `pageSize`, `continuationToken`.
 */
export function parseAuditLogQuery(organization: string, version: 1 | 2, query: Record<string, unknown>): AuditLogQuery {
  const filter: AuditLogFilter = { organization };
  if (version === 1) {
    const startTime = unixSeconds(query, 'startTime');
    if (startTime !== undefined) filter.untilTimestamp = (startTime + 1) * 1000;
  } else {
    const startTime = unixSeconds(query, 'startTime');
    const endTime = unixSeconds(query, 'endTime');
    if (startTime !== undefined && endTime !== undefined && endTime < startTime) throw ApiError.badRequest("'endTime' must not be before 'startTime'");
    if (startTime !== undefined) filter.fromTimestamp = startTime * 1000;
    if (endTime !== undefined) filter.untilTimestamp = (endTime + 1) * 1000;
    const eventFilter = single(query, 'eventFilter');
    if (eventFilter !== undefined) {
      const events = eventFilter.split(',').map((e) => e.trim()).filter((e) => e !== '');
      const bad = events.find((e) => !EVENT_NAME.test(e));
      if (bad !== undefined || events.length > 100) throw ApiError.badRequest("'eventFilter' must be event names such as stack_created, comma-separated");
      filter.events = events;
    }
  }
  const user = single(query, 'userFilter');
  if (user !== undefined) {
    if (!isValidLogin(user)) throw ApiError.badRequest("'userFilter' must be a user login");
    filter.user = user;
  }
  const token = single(query, 'continuationToken');
  if (token !== undefined) filter.beforeSequence = decodeContinuationToken(token);
  const size = single(query, 'pageSize');
  let pageSize = DEFAULT_AUDIT_PAGE_SIZE;
  if (size !== undefined) {
    if (!/^\d{1,5}$/.test(size) || Number(size) < 1 || Number(size) > MAX_AUDIT_PAGE_SIZE) throw ApiError.badRequest(`'pageSize' must be a number from 1 to ${MAX_AUDIT_PAGE_SIZE}`);
    pageSize = Number(size);
  }
  return { filter, pageSize };
}

export function parseExportFormat(query: Record<string, unknown>): 'csv' | 'cef' {
  const format = single(query, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'cef') throw ApiError.badRequest("'format' must be csv or cef");
  return format;
}
