#!/usr/bin/env node
// Copies Stackyard's objects between an S3 bucket (under its key prefix) and a directory, for
// scripts/backup.sh and scripts/restore.sh. Configured exactly like the api service:
//   STACKYARD_S3_ENDPOINT, STACKYARD_S3_BUCKET, STACKYARD_S3_ACCESS_KEY, STACKYARD_S3_SECRET_KEY,
//   optional STACKYARD_S3_REGION (us-east-1), STACKYARD_S3_PREFIX, STACKYARD_S3_CA_FILE.
// Usage:
//   object-store.cjs dump <dir>             every object under the prefix → <dir>/<key>
//   object-store.cjs restore <dir> [--force] files of <dir> → objects; refuses a non-empty target
//                                            unless --force, which first deletes what is there
//   object-store.cjs count                  number of objects under the prefix
// Credentials come from the environment only (never the command line, which `ps` shows).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const https = require('node:https');
const http = require('node:http');
const { pipeline } = require('node:stream/promises');
const { Client } = require('minio');

function fail(message, code = 1) {
  process.stderr.write(`object-store: ${message}\n`);
  process.exit(code);
}

function settings() {
  const env = process.env;
  for (const name of ['STACKYARD_S3_ENDPOINT', 'STACKYARD_S3_BUCKET', 'STACKYARD_S3_ACCESS_KEY', 'STACKYARD_S3_SECRET_KEY']) {
    if (!env[name]) fail(`${name} is not set`, 2);
  }
  let url;
  try {
    url = new URL(env.STACKYARD_S3_ENDPOINT);
  } catch {
    fail('STACKYARD_S3_ENDPOINT is not a URL', 2);
  }
  const useSSL = url.protocol === 'https:';
  if (env.STACKYARD_S3_CA_FILE && !useSSL) fail('STACKYARD_S3_CA_FILE is set but the endpoint is plain http://', 2);
  const prefix = (env.STACKYARD_S3_PREFIX || '').replace(/^\/+|\/+$/g, '');
  return {
    bucket: env.STACKYARD_S3_BUCKET,
    region: env.STACKYARD_S3_REGION || 'us-east-1',
    prefix: prefix ? `${prefix}/` : '',
    client: new Client({
      endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: env.STACKYARD_S3_ACCESS_KEY,
      secretKey: env.STACKYARD_S3_SECRET_KEY,
      region: env.STACKYARD_S3_REGION || 'us-east-1',
      pathStyle: true,
      transportAgent: useSSL
        ? new https.Agent({ keepAlive: true, ca: env.STACKYARD_S3_CA_FILE ? fs.readFileSync(env.STACKYARD_S3_CA_FILE) : undefined })
        : new http.Agent({ keepAlive: true }),
    }),
  };
}

async function listKeys(s) {
  if (!(await s.client.bucketExists(s.bucket))) return [];
  const keys = [];
  for await (const item of s.client.listObjectsV2(s.bucket, s.prefix, true)) if (item.name) keys.push(item.name);
  return keys;
}

/** The file of an object key (without the prefix); keys that could leave the directory are refused. */
function fileOf(dir, relativeKey) {
  const parts = relativeKey.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) fail(`refusing object key ${JSON.stringify(relativeKey)}: not a plain relative path`);
  return path.join(dir, ...parts);
}

async function dump(s, dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = await listKeys(s);
  for (const key of keys) {
    const file = fileOf(dir, key.slice(s.prefix.length));
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    await pipeline(await s.client.getObject(s.bucket, key), fs.createWriteStream(file, { mode: 0o600 }));
  }
  process.stdout.write(`${keys.length}\n`);
}

function filesUnder(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

async function restore(s, dir, force) {
  if (!fs.existsSync(dir)) fail(`${dir} does not exist`, 2);
  const existing = await listKeys(s);
  if (existing.length > 0) {
    if (!force) fail(`bucket ${s.bucket}${s.prefix ? ` (prefix ${s.prefix})` : ''} already holds ${existing.length} objects; restore only into an empty one, or pass --force to replace them`, 3);
    for (let i = 0; i < existing.length; i += 1000) await s.client.removeObjects(s.bucket, existing.slice(i, i + 1000));
  }
  if (!(await s.client.bucketExists(s.bucket))) await s.client.makeBucket(s.bucket, s.region);
  const files = filesUnder(dir);
  for (const relative of files) await s.client.fPutObject(s.bucket, s.prefix + relative, path.join(dir, ...relative.split('/')), { 'Content-Type': 'application/octet-stream' });
  process.stdout.write(`${files.length}\n`);
}

async function main() {
  const [command, dir, flag] = process.argv.slice(2);
  const s = settings();
  switch (command) {
    case 'dump':
      if (!dir) fail('usage: object-store.cjs dump <dir>', 2);
      return dump(s, dir);
    case 'restore':
      if (!dir) fail('usage: object-store.cjs restore <dir> [--force]', 2);
      return restore(s, dir, flag === '--force');
    case 'count':
      process.stdout.write(`${(await listKeys(s)).length}\n`);
      return undefined;
    default:
      return fail('usage: object-store.cjs dump|restore|count …', 2);
  }
}

main().then(
  () => process.exit(0),
  (error) => fail(error && error.message ? error.message : String(error)),
);
