import { Client } from 'minio';

/** What a test needs to reach an S3 server directly (a versitygw peer, or a suite's S3 settings). */
export interface S3Access {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
}

/**
 * A `minio` client for tests and benchmarks that look at a bucket behind Stackyard's back
 * (create it, list and read what was stored): path-style, TLS when the endpoint is https.
 */
export function s3TestClient(access: S3Access): Client {
  const url = new URL(access.endpoint);
  const useSSL = url.protocol === 'https:';
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: access.accessKey,
    secretKey: access.secretKey,
    region: access.region ?? 'us-east-1',
    pathStyle: true,
  });
}
