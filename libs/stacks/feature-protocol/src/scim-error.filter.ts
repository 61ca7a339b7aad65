import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { ScimGatewayError, scimErrorBody, sendScim } from './scim-gateway.service';

/**
 * SCIM clients read errors in SCIM's shape (RFC 7644 §3.12), not the api's `{code, message}`:
 * whatever fails on a SCIM route — identity unreachable (503), a bad Host header — answers so.
 */
@Catch()
export class ScimErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimGateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const req = host.switchToHttp().getRequest<{ requestId?: string; method?: string; path?: string }>();
    let status: number;
    let detail: string;
    if (exception instanceof ScimGatewayError || exception instanceof ApiError) {
      status = exception.status;
      detail = exception.detail;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      detail = exception.message;
    } else {
      this.logger.error(`request ${req.requestId ?? '-'} ${req.method ?? ''} ${req.path ?? ''} failed: ${(exception as Error)?.stack ?? String(exception)}`);
      status = 500;
      detail = `an internal error occurred (request id ${req.requestId ?? 'unknown'})`;
    }
    sendScim(res, status, scimErrorBody(status, detail));
  }
}
