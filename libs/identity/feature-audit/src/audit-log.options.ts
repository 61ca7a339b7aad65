export const AUDIT_LOG_OPTIONS = Symbol('AuditLogOptions');

export interface AuditSyslogOptions {
  /** `tls://host:port`: RFC 5424 messages over TLS with RFC 5425 octet-counting framing. */
  url: string;
  /** PEM certificates that verify the syslog server; unset: Node's built-in roots. */
  caPem?: string;
  /** Most messages held while the server is unreachable; older ones are dropped (and counted) beyond it. */
  maxQueued?: number;
}

export interface AuditLogOptions {
  /** Shown as the product version in CEF exports. */
  productVersion: string;
  syslog?: AuditSyslogOptions;
}
