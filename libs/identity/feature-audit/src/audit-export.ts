import type { AuditRecord } from '@stackyard/identity-domain';

export type AuditExportFormat = 'csv' | 'cef';

const CSV_COLUMNS = ['timestamp', 'sourceIP', 'event', 'description', 'user', 'tokenID', 'tokenName', 'reqOrgAdmin', 'reqStackAdmin', 'authFailure', 'actorName', 'actorUrn'] as const;

/**
 * One RFC 4180 field: quoted when it holds a comma, quote, CR or LF, with quotes doubled. A value
 * a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR; OWASP "CSV
 * injection") gets a leading apostrophe: names in descriptions come from users.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(record: AuditRecord): string[] {
  return [
    String(Math.floor(record.timestamp / 1000)),
    record.sourceIp,
    record.event,
    record.description,
    record.user ?? '',
    record.tokenId ?? '',
    record.tokenName ?? '',
    String(record.reqOrgAdmin),
    String(record.reqStackAdmin),
    String(record.authFailure),
    record.actorName,
    record.actorUrn,
  ];
}

/** RFC 4180: a header line, then one CRLF-terminated line per event (columns as the JSON API's fields). */
export function auditCsv(records: readonly AuditRecord[]): string {
  const lines = [CSV_COLUMNS.join(','), ...records.map((r) => csvRow(r).map(csvField).join(','))];
  return lines.map((line) => `${line}\r\n`).join('');
}

/** A CEF header field: `\` and `|` escaped; a header cannot span lines, so CR/LF become spaces. */
export function cefHeaderField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** A CEF extension value: `\` and `=` escaped, line breaks written as `\n` / `\r` (ArcSight CEF rules). */
export function cefExtensionValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

/** CEF severity 0–10: refused requests high, administrator actions medium, the rest low. */
function cefSeverity(record: AuditRecord): number {
  if (record.authFailure) return 7;
  return record.reqOrgAdmin || record.reqStackAdmin ? 5 : 3;
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/**
 * One event as an ArcSight CEF line:
 * `CEF:0|Stackyard|Stackyard|<version>|<event>|<description>|<severity>|<extension>`. Extension
 * keys are CEF's own where one fits (rt, src, suser, act, outcome, externalId), custom string
 * fields cs1–cs6 with their labels otherwise.
 */
export function cefLine(record: AuditRecord, productVersion: string): string {
  const extension: Array<[string, string]> = [
    ['rt', String(record.timestamp)],
    ['externalId', String(record.sequence)],
    ['act', record.event],
  ];
  // CEF's src must be an IP address; anything else (a missing address) is left out.
  if (IPV4.test(record.sourceIp) || record.sourceIp.includes(':')) extension.push(['src', record.sourceIp]);
  if (record.user) extension.push(['suser', record.user]);
  if (record.authFailure) extension.push(['outcome', 'failure']);
  const custom: Array<[string, string | null]> = [
    ['organization', record.organization],
    ['actorName', record.actorName],
    ['actorUrn', record.actorUrn],
    ['tokenID', record.tokenId],
    ['tokenName', record.tokenName],
    ['requestId', record.requestId],
  ];
  custom.forEach(([label, value], i) => {
    if (value === null || value === '') return;
    extension.push([`cs${i + 1}Label`, label], [`cs${i + 1}`, value]);
  });
  const header = ['CEF:0', 'Stackyard', 'Stackyard', productVersion, record.event, record.description, String(cefSeverity(record))].map((f, i) => (i === 0 ? f : cefHeaderField(f)));
  return `${header.join('|')}|${extension.map(([k, v]) => `${k}=${cefExtensionValue(v)}`).join(' ')}`;
}

export function auditCef(records: readonly AuditRecord[], productVersion: string): string {
  return records.map((r) => `${cefLine(r, productVersion)}\n`).join('');
}
