import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, type LoggerService } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';

export function sendError(res: ServerResponse, error: ApiError, requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toBody());
  res.statusCode = error.status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  if (requestId) res.setHeader('X-Pulumi-Request-ID', requestId);
  res.end(body);
}

/**
 * The one place errors become HTTP: `ApiError` keeps its status, Nest's own HTTP exceptions (an
 * unknown route, say) are reshaped into `{code, message}`, and anything else is a 500 whose detail
 * stays in the log (by request id) and never reaches the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<ServerResponse>();
    const req = ctx.getRequest<{ requestId?: string; method?: string; url?: string }>();
    let error: ApiError;
    if (exception instanceof ApiError) {
      error = exception;
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const detail = status === 404 ? `no route for ${req.method ?? ''} ${(req.url ?? '').split('?')[0]}` : exception.message;
      error = new ApiError(status, detail);
    } else {
      this.logger.error(
        `request ${req.requestId ?? '-'} ${req.method ?? ''} ${(req.url ?? '').split('?')[0]} failed: ${(exception as Error)?.stack ?? String(exception)}`,
      );
      error = new ApiError(500, `an internal error occurred (request id ${req.requestId ?? 'unknown'})`);
    }
    sendError(res, error, req.requestId);
  }
}
