import type { AuditRecord } from '@stackyard/identity-domain';

/** RFC 5424 facility 13, "log audit". */
const FACILITY_LOG_AUDIT = 13;
/** RFC 5424 severities: refused requests are warnings, everything else a notice. */
const SEVERITY_WARNING = 4;
const SEVERITY_NOTICE = 5;
/**
 * The SD-ID of our structured data: a name@<private enterprise number>. 32473 is the number RFC
 * 5612 reserves for documentation and examples; Stackyard has none of its own.
 */
export const AUDIT_SD_ID = 'stackyard-audit@32473';

/** PRINTUSASCII (%d33-126) only, at most `max` characters, `-` (NILVALUE) when nothing is left. */
function headerToken(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return printable === '' ? '-' : printable;
}

/** An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
export function sdParamValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export interface SyslogOrigin {
  hostname: string;
  appName: string;
  procId: string;
}

/**
 * One audit link as an RFC 5424 message: the event name as MSGID, the fields as structured data
 * (including the link's sequence and hash, so a receiver can check the chain), and the
 * description as the UTF-8 message (BOM-prefixed, as §6.4 asks for UTF-8 text).
 */
export function syslogMessage(record: AuditRecord, origin: SyslogOrigin): string {
  const pri = FACILITY_LOG_AUDIT * 8 + (record.authFailure ? SEVERITY_WARNING : SEVERITY_NOTICE);
  const timestamp = new Date(record.timestamp).toISOString();
  const params: Array<[string, string | null]> = [
    ['sequence', String(record.sequence)],
    ['hash', record.hash],
    ['prevHash', record.prevHash],
    ['organization', record.organization],
    ['event', record.event],
    ['sourceIP', record.sourceIp],
    ['user', record.user],
    ['tokenID', record.tokenId],
    ['tokenName', record.tokenName],
    ['actorName', record.actorName],
    ['actorUrn', record.actorUrn],
    ['reqOrgAdmin', String(record.reqOrgAdmin)],
    ['reqStackAdmin', String(record.reqStackAdmin)],
    ['authFailure', String(record.authFailure)],
    ['requestId', record.requestId],
  ];
  const sd = `[${AUDIT_SD_ID}${params
    .filter((p): p is [string, string] => p[1] !== null && p[1] !== '')
    .map(([name, value]) => ` ${name}="${sdParamValue(value)}"`)
    .join('')}]`;
  const header = `<${pri}>1 ${timestamp} ${headerToken(origin.hostname, 255)} ${headerToken(origin.appName, 48)} ${headerToken(origin.procId, 128)} ${headerToken(record.event, 32)}`;
  return `${header} ${sd} \uFEFF${record.description}`;
}

/** RFC 5425 §4.3 octet-counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes of the UTF-8 message. */
export function octetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}
