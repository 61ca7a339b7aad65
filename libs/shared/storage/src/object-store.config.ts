import { z } from 'zod';

/**
 * Object-store settings (prefix `STACKYARD_` is added by loadConfig). Spread into a service's
 * schema, then call `objectStoreConfigProblems` and `objectStoreSettingsFromConfig`.
 */
export const objectStoreConfigShape = {
  /** `disk` (embedded) or `s3`. Unset: `s3` when an S3 endpoint or URL is configured, else `disk`. */
  OBJECT_STORE: z.enum(['disk', 's3']).optional(),
  /** Root directory of the disk store. Alias: PULUMI_LOCAL_OBJECTS. */
  OBJECT_STORE_DIR: z.string().optional(),
  /** `http://host:port` or `https://host[:port]` of an S3-compatible server, path-style. */
  S3_ENDPOINT: z.string().optional(),
  /** Alias: PULUMI_OBJECTS_BUCKET (deprecated in Pulumi, still read). */
  S3_BUCKET: z.string().optional(),
  /** Alias: AWS_ACCESS_KEY_ID. */
  S3_ACCESS_KEY: z.string().optional(),
  /** Alias: AWS_SECRET_ACCESS_KEY. Prefer STACKYARD_S3_SECRET_KEY_FILE. */
  S3_SECRET_KEY: z.string().optional(),
  /** Signing region. Alias: AWS_REGION. */
  S3_REGION: z.string().optional(),
  /** Key prefix inside the bucket, so several installations or services can share one bucket. */
  S3_PREFIX: z.string().optional(),
  /** PEM file of the CA that issued the endpoint's certificate. */
  S3_CA_FILE: z.string().optional(),
  /**
   * Pulumi's gocloud.dev bucket URL, `s3://bucket?endpoint=host:port&disableSSL=true&region=…`.
   * Alias: PULUMI_CHECKPOINT_BLOB_STORAGE_ENDPOINT. Explicit S3_* settings win over its parts.
   */
  S3_URL: z.string().optional(),
};

export const objectStoreConfigSchema = z.object(objectStoreConfigShape);
export type ObjectStoreConfig = z.infer<typeof objectStoreConfigSchema>;

/**
 * Pulumi self-hosted variables (pulumi-cloud-selfhosted.md §1.2) accepted as aliases, alias →
 * canonical key, for loadConfig's `aliases`. An existing install's settings carry over: its API
 * reads S3 credentials through the AWS SDK, hence the AWS_* names.
 */
export const objectStoreConfigAliases: Record<string, keyof ObjectStoreConfig> = {
  PULUMI_LOCAL_OBJECTS: 'OBJECT_STORE_DIR',
  PULUMI_CHECKPOINT_BLOB_STORAGE_ENDPOINT: 'S3_URL',
  PULUMI_OBJECTS_BUCKET: 'S3_BUCKET',
  AWS_ACCESS_KEY_ID: 'S3_ACCESS_KEY',
  AWS_SECRET_ACCESS_KEY: 'S3_SECRET_KEY',
  AWS_REGION: 'S3_REGION',
};

export const DEFAULT_S3_BUCKET = 'stackyard';
export const DEFAULT_S3_REGION = 'us-east-1';

export type ObjectStoreSettings =
  | { kind: 'disk'; dir: string }
  | {
      kind: 's3';
      endpoint: string;
      bucket: string;
      accessKey: string;
      secretKey: string;
      region: string;
      prefix?: string;
      caFile?: string;
      partSize?: number;
    };

export interface ObjectStoreConfigOptions {
  /** The disk directory when OBJECT_STORE_DIR is unset (e.g. `<data dir>/objects` in embedded mode). */
  defaultDir?: string;
}

/** Parts of a gocloud.dev `s3://` URL that map onto our settings. */
export interface ParsedBucketUrl {
  bucket: string;
  endpoint?: string;
  region?: string;
  prefix?: string;
}

/**
 * Reads Pulumi's `s3://bucket?endpoint=…` form. gocloud.dev takes `endpoint` as `host:port` (v1
 * SDK, scheme from `disableSSL`) or as a full URL (v2 SDK, `disable_https`/`use_path_style`); both
 * appear in Pulumi's installers. Without an endpoint it means AWS itself.
 */
export function parseBucketUrl(value: string): ParsedBucketUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('not a URL (expected s3://bucket?endpoint=host:port&disableSSL=true&region=…)');
  }
  if (url.protocol !== 's3:') throw new Error(`only s3:// bucket URLs are supported, got ${url.protocol}//`);
  const bucket = decodeURIComponent(url.hostname);
  if (!bucket) throw new Error('the URL names no bucket');
  const params = url.searchParams;
  const region = params.get('region') || params.get('awssdk_region') || undefined;
  const insecure = ['true', '1'].includes((params.get('disableSSL') ?? params.get('disable_https') ?? '').toLowerCase());
  let endpoint = params.get('endpoint') || undefined;
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) endpoint = `${insecure ? 'http' : 'https'}://${endpoint}`;
  if (endpoint === undefined) endpoint = `https://s3.${region ?? DEFAULT_S3_REGION}.amazonaws.com`;
  const prefix = params.get('prefix') || undefined;
  return { bucket, endpoint, region, prefix };
}

export function effectiveObjectStoreKind(config: ObjectStoreConfig): 'disk' | 's3' {
  return config.OBJECT_STORE ?? (config.S3_ENDPOINT || config.S3_URL ? 's3' : 'disk');
}

/** Cross-field problems, worded with the variable names an operator sets; empty when usable. */
export function objectStoreConfigProblems(config: ObjectStoreConfig, options: ObjectStoreConfigOptions = {}): string[] {
  const problems: string[] = [];
  if (effectiveObjectStoreKind(config) === 'disk') {
    if (!config.OBJECT_STORE_DIR && !options.defaultDir) {
      problems.push('STACKYARD_OBJECT_STORE_DIR is required when STACKYARD_OBJECT_STORE=disk (alias PULUMI_LOCAL_OBJECTS)');
    }
    return problems;
  }
  let fromUrl: ParsedBucketUrl | undefined;
  if (config.S3_URL) {
    try {
      fromUrl = parseBucketUrl(config.S3_URL);
    } catch (error) {
      problems.push(`STACKYARD_S3_URL (or PULUMI_CHECKPOINT_BLOB_STORAGE_ENDPOINT): ${(error as Error).message}`);
    }
  }
  const endpoint = config.S3_ENDPOINT ?? fromUrl?.endpoint;
  if (!endpoint) {
    if (!config.S3_URL) problems.push('STACKYARD_S3_ENDPOINT is required when STACKYARD_OBJECT_STORE=s3 (e.g. http://minio:9000)');
  } else {
    const endpointProblem = checkEndpoint(endpoint);
    if (endpointProblem) problems.push(`STACKYARD_S3_ENDPOINT: ${endpointProblem}`);
    else if (config.S3_CA_FILE && endpoint.startsWith('http:')) problems.push('STACKYARD_S3_CA_FILE is set but STACKYARD_S3_ENDPOINT is plain http://');
  }
  if (!config.S3_ACCESS_KEY) problems.push('STACKYARD_S3_ACCESS_KEY is required when STACKYARD_OBJECT_STORE=s3 (alias AWS_ACCESS_KEY_ID)');
  if (!config.S3_SECRET_KEY) problems.push('STACKYARD_S3_SECRET_KEY (or _FILE) is required when STACKYARD_OBJECT_STORE=s3 (alias AWS_SECRET_ACCESS_KEY)');
  const bucket = config.S3_BUCKET ?? fromUrl?.bucket ?? DEFAULT_S3_BUCKET;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    problems.push(`STACKYARD_S3_BUCKET: ${JSON.stringify(bucket)} is not a valid bucket name (3-63 of a-z, 0-9, ".", "-")`);
  }
  const prefix = config.S3_PREFIX ?? fromUrl?.prefix;
   
  if (prefix !== undefined && (/(^|\/)\.\.?(\/|$)|\\|[\u0000-\u001f]/.test(prefix) || prefix.includes('//'))) {
    problems.push('STACKYARD_S3_PREFIX must be a plain "a/b" path (no "..", ".", "//", backslashes or control characters)');
  }
  return problems;
}

/** Turns a validated config into driver settings; call after `objectStoreConfigProblems` is empty. */
export function objectStoreSettingsFromConfig(config: ObjectStoreConfig, options: ObjectStoreConfigOptions = {}): ObjectStoreSettings {
  const problems = objectStoreConfigProblems(config, options);
  if (problems.length > 0) throw new Error(`invalid object store configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (effectiveObjectStoreKind(config) === 'disk') return { kind: 'disk', dir: (config.OBJECT_STORE_DIR ?? options.defaultDir)! };
  const fromUrl = config.S3_URL ? parseBucketUrl(config.S3_URL) : undefined;
  const prefix = config.S3_PREFIX ?? fromUrl?.prefix;
  return {
    kind: 's3',
    endpoint: (config.S3_ENDPOINT ?? fromUrl?.endpoint)!,
    bucket: config.S3_BUCKET ?? fromUrl?.bucket ?? DEFAULT_S3_BUCKET,
    accessKey: config.S3_ACCESS_KEY!,
    secretKey: config.S3_SECRET_KEY!,
    region: config.S3_REGION ?? fromUrl?.region ?? DEFAULT_S3_REGION,
    ...(prefix ? { prefix } : {}),
    ...(config.S3_CA_FILE ? { caFile: config.S3_CA_FILE } : {}),
  };
}

function checkEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `${JSON.stringify(endpoint)} is not a URL (expected e.g. http://minio:9000)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must start with http:// or https://`;
  if (url.username || url.password) return 'must not contain credentials; use STACKYARD_S3_ACCESS_KEY / _SECRET_KEY';
  if (url.pathname !== '/' || url.search) return 'must not have a path or query; the bucket is STACKYARD_S3_BUCKET';
  return undefined;
}
