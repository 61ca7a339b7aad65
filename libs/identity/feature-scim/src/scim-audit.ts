import { Logger } from '@nestjs/common';

const audit = new Logger('audit');

/** One JSON line of the identity service's `audit` logger. Never a token, never a request body. */
export function recordScimEvent(event: string, fields: Record<string, unknown>): void {
  audit.log(JSON.stringify({ event, ...fields }));
}
