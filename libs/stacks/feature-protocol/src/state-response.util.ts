import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { StateStream } from './stacks.service';

export function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

/** Streams a stored state to the client, passing stored gzip bytes through untouched when accepted. */
export async function sendState(res: Response, state: StateStream): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'application/json');
  if (state.compressed) res.setHeader('content-encoding', 'gzip');
  if (Buffer.isBuffer(state.body)) {
    res.setHeader('content-length', state.body.length);
    res.end(state.body);
    return;
  }
  await pipeline(state.body, res);
}
