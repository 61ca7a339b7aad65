import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { loadConfig } from '@stackyard/shared-config';
import {
  objectStoreConfigAliases,
  objectStoreConfigProblems,
  objectStoreConfigShape,
  objectStoreSettingsFromConfig,
  parseBucketUrl,
  type ObjectStoreConfig,
} from './object-store.config';
import { createObjectStore } from './object-store.factory';
import { DiskObjectStore } from './disk.object-store';
import { S3ObjectStore } from './s3.object-store';

const schema = z.object(objectStoreConfigShape);
const load = (env: NodeJS.ProcessEnv): ObjectStoreConfig => loadConfig(schema, { env, aliases: objectStoreConfigAliases });

void describe('objectStoreConfig', () => {
  void it('defaults to the disk store, with a caller-supplied default directory', () => {
    const config = load({});
    assert.deepEqual(objectStoreConfigProblems(config), ['STACKYARD_OBJECT_STORE_DIR is required when STACKYARD_OBJECT_STORE=disk (alias PULUMI_LOCAL_OBJECTS)']);
    assert.deepEqual(objectStoreConfigProblems(config, { defaultDir: '/data/objects' }), []);
    assert.deepEqual(objectStoreSettingsFromConfig(config, { defaultDir: '/data/objects' }), { kind: 'disk', dir: '/data/objects' });
  });

  void it('reads the S3 settings and applies bucket and region defaults', () => {
    const config = load({
      STACKYARD_OBJECT_STORE: 's3',
      STACKYARD_S3_ENDPOINT: 'http://127.0.0.1:7070',
      STACKYARD_S3_ACCESS_KEY: 'ak',
      STACKYARD_S3_SECRET_KEY: 'sk',
      STACKYARD_S3_PREFIX: 'install-1',
    });
    assert.deepEqual(objectStoreConfigProblems(config), []);
    assert.deepEqual(objectStoreSettingsFromConfig(config), {
      kind: 's3',
      endpoint: 'http://127.0.0.1:7070',
      bucket: 'stackyard',
      accessKey: 'ak',
      secretKey: 'sk',
      region: 'us-east-1',
      prefix: 'install-1',
    });
  });

  void it('lists every cross-field problem of an incomplete S3 setup, without echoing secrets', () => {
    const config = load({ STACKYARD_OBJECT_STORE: 's3', STACKYARD_S3_SECRET_KEY: 'super-secret-value', STACKYARD_S3_BUCKET: 'Bad_Bucket' });
    const problems = objectStoreConfigProblems(config);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0], /STACKYARD_S3_ENDPOINT is required/);
    assert.match(problems[1], /STACKYARD_S3_ACCESS_KEY is required/);
    assert.match(problems[2], /not a valid bucket name/);
    assert.ok(!problems.join('\n').includes('super-secret-value'));
    assert.throws(() => objectStoreSettingsFromConfig(config), /invalid object store configuration/);
  });

  void it('rejects endpoints with credentials, paths or other schemes, and a CA file over http', () => {
    const base = { STACKYARD_OBJECT_STORE: 's3', STACKYARD_S3_ACCESS_KEY: 'a', STACKYARD_S3_SECRET_KEY: 'b' };
    assert.match(objectStoreConfigProblems(load({ ...base, STACKYARD_S3_ENDPOINT: 'http://u:p@host:9000' }))[0], /must not contain credentials/);
    assert.match(objectStoreConfigProblems(load({ ...base, STACKYARD_S3_ENDPOINT: 'http://host:9000/bucket' }))[0], /must not have a path/);
    assert.match(objectStoreConfigProblems(load({ ...base, STACKYARD_S3_ENDPOINT: 'ftp://host' }))[0], /http:\/\/ or https:\/\//);
    assert.match(objectStoreConfigProblems(load({ ...base, STACKYARD_S3_ENDPOINT: 'host:9000' }))[0], /http:\/\/ or https:\/\/|not a URL/);
    assert.match(
      objectStoreConfigProblems(load({ ...base, STACKYARD_S3_ENDPOINT: 'http://host:9000', STACKYARD_S3_CA_FILE: '/ca.pem' }))[0],
      /CA_FILE is set but .* plain http/,
    );
  });

  void it('takes Pulumi self-hosted variables as aliases and infers S3 from the bucket URL', () => {
    const config = load({
      PULUMI_CHECKPOINT_BLOB_STORAGE_ENDPOINT: 's3://pulumi-checkpoints?endpoint=minio:9000&disableSSL=true&s3ForcePathStyle=true&region=eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    assert.deepEqual(objectStoreConfigProblems(config), []);
    assert.deepEqual(objectStoreSettingsFromConfig(config), {
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'pulumi-checkpoints',
      accessKey: 'AKIA',
      secretKey: 'secret',
      region: 'eu-west-1',
    });
    const local = load({ PULUMI_LOCAL_OBJECTS: '/var/lib/pulumi/objects' });
    assert.deepEqual(objectStoreSettingsFromConfig(local), { kind: 'disk', dir: '/var/lib/pulumi/objects' });
  });

  void it('lets explicit STACKYARD_ settings win over the aliases and the URL', () => {
    const config = load({
      STACKYARD_S3_URL: 's3://from-url?endpoint=http://url-host:9000',
      STACKYARD_S3_ENDPOINT: 'https://explicit:9443',
      STACKYARD_S3_BUCKET: 'explicit-bucket',
      STACKYARD_S3_ACCESS_KEY: 'mine',
      AWS_ACCESS_KEY_ID: 'theirs',
      STACKYARD_S3_SECRET_KEY: 's',
      PULUMI_OBJECTS_BUCKET: 'ignored',
    });
    const settings = objectStoreSettingsFromConfig(config);
    assert.equal(settings.kind, 's3');
    assert.ok(settings.kind === 's3');
    assert.equal(settings.endpoint, 'https://explicit:9443');
    assert.equal(settings.bucket, 'explicit-bucket');
    assert.equal(settings.accessKey, 'mine');
  });

  void it('explicit OBJECT_STORE=disk wins over a configured S3 endpoint', () => {
    const config = load({ STACKYARD_OBJECT_STORE: 'disk', STACKYARD_OBJECT_STORE_DIR: '/d', STACKYARD_S3_ENDPOINT: 'http://x:1' });
    assert.deepEqual(objectStoreSettingsFromConfig(config), { kind: 'disk', dir: '/d' });
  });
});

void describe(parseBucketUrl.name, () => {
  void it('understands the v1 (host:port + disableSSL) and v2 (full URL) endpoint forms', () => {
    assert.deepEqual(parseBucketUrl('s3://b1?endpoint=minio:9000&disableSSL=true'), { bucket: 'b1', endpoint: 'http://minio:9000', region: undefined, prefix: undefined });
    assert.equal(parseBucketUrl('s3://b1?endpoint=minio:9000').endpoint, 'https://minio:9000');
    assert.equal(parseBucketUrl('s3://b1?endpoint=http://minio:9000&use_path_style=true').endpoint, 'http://minio:9000');
    assert.equal(parseBucketUrl('s3://b1?endpoint=storage.googleapis.com:443&s3ForcePathStyle=true').endpoint, 'https://storage.googleapis.com:443');
    assert.equal(parseBucketUrl('s3://b1?prefix=pulumi/').prefix, 'pulumi/');
  });

  void it('means AWS itself when there is no endpoint', () => {
    assert.equal(parseBucketUrl('s3://b1?region=eu-central-1').endpoint, 'https://s3.eu-central-1.amazonaws.com');
  });

  void it('refuses other blob schemes with a clear message', () => {
    assert.throws(() => parseBucketUrl('azblob://container'), /only s3:\/\/ bucket URLs are supported/);
    assert.throws(() => parseBucketUrl('gs://bucket'), /only s3:\/\//);
    assert.throws(() => parseBucketUrl('not a url'), /not a URL/);
  });
});

void describe(createObjectStore.name, () => {
  void it('builds the driver the settings name', () => {
    assert.ok(createObjectStore({ kind: 'disk', dir: '/tmp/x' }) instanceof DiskObjectStore);
    const s3 = createObjectStore({ kind: 's3', endpoint: 'http://127.0.0.1:1', bucket: 'b1b', accessKey: 'a', secretKey: 's', region: 'us-east-1', prefix: '/p/' });
    assert.ok(s3 instanceof S3ObjectStore);
    assert.equal(s3.prefix, 'p/');
    s3.close();
  });

  void it('refuses S3 endpoints the minio client would misread', () => {
    const base = { kind: 's3' as const, bucket: 'b1b', accessKey: 'a', secretKey: 's', region: 'us-east-1' };
    assert.throws(() => createObjectStore({ ...base, endpoint: '127.0.0.1:9000' }), /http:\/\/ or https:\/\/|not a URL/);
    assert.throws(() => createObjectStore({ ...base, endpoint: 'http://h:1', caFile: '/x.pem' }), /CA file given for a plain http/);
    assert.throws(() => createObjectStore({ ...base, endpoint: 'http://h:1', partSize: 1024 }), /part size/);
  });
});
