import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { ApiError } from '@stackyard/shared-errors';

export interface ReadBodyOptions {
  /** Largest accepted body after decompression, in bytes. */
  maxBytes: number;
}

/**
 * Reads a request body, inflating `Content-Encoding: gzip` (the CLI gzips checkpoints, imports,
 * batches and events). The size limit applies to the inflated bytes, so a gzip bomb stops early.
 */
export async function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toString().trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && encoding === 'identity' && declared > options.maxBytes) {
    req.resume();
    throw ApiError.payloadTooLarge(`request body exceeds ${options.maxBytes} bytes`);
  }
  let source: NodeJS.ReadableStream = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    const gunzip = createGunzip();
    req.on('error', (error) => gunzip.destroy(error));
    source = req.pipe(gunzip);
  } else if (encoding !== 'identity') {
    req.resume();
    throw ApiError.unsupportedMediaType(`unsupported Content-Encoding '${encoding}'`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        req.resume();
        throw ApiError.payloadTooLarge(`request body exceeds ${options.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_BUFFER_TOO_LARGE') {
      throw ApiError.badRequest('request body is not valid gzip');
    }
    throw ApiError.badRequest('request body could not be read');
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** Parses a JSON body, answering 400 (never 500) for anything malformed. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw ApiError.badRequest(`request body is not valid JSON: ${(error as Error).message}`);
  }
}
