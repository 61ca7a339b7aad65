import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type Client, S3Error } from 'minio';
import { s3TestClient } from './s3-client.util';
import { startVersitygw, type VersitygwPeer } from './versitygw.peer';

function client(peer: VersitygwPeer, secretKey = peer.secretKey): Client {
  return s3TestClient({ ...peer, secretKey });
}

function unsignedGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('startVersitygw', () => {
  let sut: VersitygwPeer;
  before(async () => {
    sut = await startVersitygw();
  });
  after(async () => {
    await sut?.stop();
  });

  void it('serves S3 on 127.0.0.1 to the configured credentials', async () => {
    assert.match(sut.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = client(sut);
    const bucket = sut.uniqueBucket('peer');
    await s3.makeBucket(bucket, sut.region);
    await s3.putObject(bucket, 'hello.txt', Buffer.from('hello'), 5, { 'Content-Type': 'text/plain' });
    const stat = await s3.statObject(bucket, 'hello.txt');
    assert.equal(stat.size, 5);
    const chunks: Buffer[] = [];
    for await (const chunk of await s3.getObject(bucket, 'hello.txt')) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'hello');
  });

  void it('checks SigV4 signatures: a wrong secret key and unsigned requests are refused', async () => {
    const s3 = client(sut, `${sut.secretKey}-wrong`);
    await assert.rejects(s3.listBuckets(), (error: unknown) => {
      assert.ok(error instanceof S3Error, String(error));
      assert.match(error.code ?? '', /SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
      return true;
    });
    assert.equal(await unsignedGet(`${sut.endpoint}/`), 403);
  });

  void it('is reused from STACKYARD_TEST_S3_* variables without starting a second server', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      STACKYARD_TEST_S3_ENDPOINT: sut.endpoint,
      STACKYARD_TEST_S3_ACCESS_KEY: sut.accessKey,
      STACKYARD_TEST_S3_SECRET_KEY: sut.secretKey,
    });
    try {
      const reused = await startVersitygw();
      assert.equal(reused.reused, true);
      assert.equal(reused.endpoint, sut.endpoint);
      assert.equal(reused.dataDir, undefined);
      assert.equal(await client(reused).bucketExists(reused.uniqueBucket()), false);
      await reused.stop();
      assert.ok(Array.isArray(await client(sut).listBuckets()), 'the shared server keeps running after stop()');
    } finally {
      for (const key of ['STACKYARD_TEST_S3_ENDPOINT', 'STACKYARD_TEST_S3_ACCESS_KEY', 'STACKYARD_TEST_S3_SECRET_KEY']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  void it('hands out distinct valid bucket names', () => {
    const names = new Set(Array.from({ length: 50 }, () => sut.uniqueBucket('My_Suite')));
    assert.equal(names.size, 50);
    for (const name of names) assert.match(name, /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  });
});

void describe('startVersitygw lifecycle', () => {
  void it('stop() ends the server and removes its data', async () => {
    const peer = await startVersitygw({ reuse: false, metadata: 'sidecar' });
    assert.equal(peer.reused, false);
    assert.ok(peer.dataDir && existsSync(peer.dataDir));
    assert.equal(await unsignedGet(`${peer.endpoint}/health`), 200);
    await peer.stop();
    await assert.rejects(unsignedGet(`${peer.endpoint}/health`), /ECONNREFUSED/);
    assert.equal(existsSync(peer.dataDir), false);
  });
});
