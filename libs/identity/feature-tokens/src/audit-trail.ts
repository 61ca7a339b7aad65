import { Injectable, Logger } from '@nestjs/common';
import type { AuditEventInput } from '@stackyard/shared-contracts';

/**
 * Identity's one way to record a security-relevant event. Every event is also an `audit` log line.
 * (The stored, hash-chained log replaces the body of `record`; callers do not change.)
 */
@Injectable()
export class AuditTrail {
  private readonly log = new Logger('audit');

  async record(event: AuditEventInput): Promise<void> {
    this.log.log(JSON.stringify(event));
    return Promise.resolve();
  }
}
