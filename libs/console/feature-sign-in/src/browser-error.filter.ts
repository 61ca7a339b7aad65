import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { sendBrowserResult, pageResult } from './browser-result';
import { messagePageBody } from './pages';

/**
 * Failures of the sign-in pages as pages, not JSON: a person is reading. `ApiError`s keep their
 * status and detail (identity unreachable is a 503 worth retrying); anything else is a 500 whose
 * detail stays in the log under the request id.
 */
@Catch()
export class BrowserErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('console-sign-in');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<ServerResponse>();
    const req = http.getRequest<{ requestId?: string; method?: string; url?: string }>();
    const requestId = req.requestId ?? 'unknown';
    const path = (req.url ?? '').split('?')[0];
    if (res.headersSent) {
      res.destroy();
      return;
    }
    let status: number;
    let message: string;
    if (exception instanceof ApiError) {
      status = exception.status;
      message = exception.detail;
      if (status >= 500) this.logger.warn(`request ${requestId} ${req.method ?? ''} ${path}: ${exception.message}`);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = exception.message;
    } else {
      this.logger.error(`request ${requestId} ${req.method ?? ''} ${path} failed: ${(exception as Error)?.stack ?? String(exception)}`);
      status = 500;
      message = `An internal error occurred (request id ${requestId}).`;
    }
    const heading = status === 503 ? 'Sign-in is unavailable right now' : 'Something went wrong';
    const hint = status >= 500 ? ' Try again in a moment.' : '';
    sendBrowserResult(res, pageResult(status, heading, messagePageBody(heading, `${message}${hint}`, { href: '/', text: 'Back to the console' })));
  }
}
