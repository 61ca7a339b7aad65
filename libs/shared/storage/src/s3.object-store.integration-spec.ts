import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client } from 'minio';
import { createCertificateAuthority, issueCertificate } from '@stackyard/shared-tls';
import { freePort, startVersitygw, tempDir, type VersitygwPeer } from '@stackyard/testing';
import { objectStoreContract } from './object-store.contract';
import { S3ObjectStore, type S3ObjectStoreSettings } from './s3.object-store';

const MiB = 1024 * 1024;
let peer: VersitygwPeer | undefined;
const stores: S3ObjectStore[] = [];

/** One versitygw for the whole file (or the shared one from STACKYARD_TEST_S3_*). */
async function server(): Promise<VersitygwPeer> {
  peer ??= await startVersitygw();
  return peer;
}

function store(p: VersitygwPeer, overrides: Partial<S3ObjectStoreSettings> = {}): S3ObjectStore {
  const s = new S3ObjectStore({
    endpoint: p.endpoint,
    accessKey: p.accessKey,
    secretKey: p.secretKey,
    region: p.region,
    bucket: p.uniqueBucket('store'),
    // The smallest part size S3 allows, so the 20 MiB contract stream takes the multipart path.
    partSize: 5 * MiB,
    ...overrides,
  });
  stores.push(s);
  return s;
}

function rawClient(p: VersitygwPeer): Client {
  const url = new URL(p.endpoint);
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: p.accessKey, secretKey: p.secretKey, region: p.region, pathStyle: true });
}

after(async () => {
  for (const s of stores) s.close();
  await peer?.stop();
});

objectStoreContract(
  's3 (versitygw)',
  async () => {
    const s = store(await server(), { prefix: 'install-a' });
    await s.ensureBucket();
    return { store: s };
  },
  { failingStreamBytes: 12 * MiB },
);

void describe(S3ObjectStore.name, () => {
  let p: VersitygwPeer;
  before(async () => {
    p = await server();
  });

  void it('ensureBucket creates a missing bucket once; check() reports a missing one', async () => {
    const sut = store(p);
    await assert.rejects(sut.check(), new RegExp(`object store http://127\\.0\\.0\\.1:\\d+/${sut.bucket}: bucket does not exist`));
    await sut.ensureBucket();
    await sut.ensureBucket();
    await assert.doesNotReject(sut.check());
  });

  void it('keeps stores with different prefixes in one bucket apart', async () => {
    const bucket = p.uniqueBucket('shared');
    const a = store(p, { bucket, prefix: 'a' });
    const b = store(p, { bucket, prefix: '/b/' });
    await a.ensureBucket();
    await a.put('stacks/x/checkpoint', Buffer.from('from a'));
    await b.put('stacks/x/checkpoint', Buffer.from('from b'));
    assert.deepEqual(await a.getBuffer('stacks/x/checkpoint'), Buffer.from('from a'));
    await b.deletePrefix('stacks/');
    assert.equal(await b.exists('stacks/x/checkpoint'), false);
    assert.deepEqual(await a.getBuffer('stacks/x/checkpoint'), Buffer.from('from a'));
    const names: string[] = [];
    for await (const item of rawClient(p).listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) names.push(item.name ?? '');
    assert.deepEqual(names, ['a/stacks/x/checkpoint']);
  });

  void it('stores the content type and leaves no unfinished multipart uploads behind', async () => {
    const sut = store(p);
    await sut.ensureBucket();
    await sut.put('big.json', Readable.from([Buffer.alloc(6 * MiB, 1), Buffer.alloc(2 * MiB, 2)]), { contentType: 'application/json' });
    const stat = await rawClient(p).statObject(sut.bucket, 'big.json');
    assert.equal(stat.size, 8 * MiB);
    assert.equal(stat.metaData['content-type'], 'application/json');
    const broken = Readable.from(
      (function* () {
        yield Buffer.alloc(11 * MiB, 3);
        throw new Error('client went away');
      })(),
    );
    await assert.rejects(sut.put('big.json', broken), /client went away/);
    const pending: unknown[] = [];
    for await (const upload of rawClient(p).listIncompleteUploads(sut.bucket, '', true)) pending.push(upload);
    assert.deepEqual(pending, [], 'the failed multipart upload was aborted');
    assert.equal((await sut.getBuffer('big.json'))?.length, 8 * MiB, 'the previous object is intact');
  });

  void it('fails with a clear message, and without the secret, when the secret key is wrong', async () => {
    const secretKey = `${p.secretKey}-wrong`;
    const sut = store(p, { secretKey });
    await assert.rejects(sut.check(), (error: Error) => {
      assert.match(error.message, /object store http:\/\/127\.0\.0\.1:\d+\/.*: bucketExists failed: (SignatureDoesNotMatch|AccessDenied)/);
      assert.ok(!error.message.includes(secretKey));
      return true;
    });
  });

  void it('fails with the endpoint in the message when nothing listens there', async () => {
    const sut = new S3ObjectStore({ endpoint: `http://127.0.0.1:${await freePort()}`, accessKey: 'a', secretKey: 'b', bucket: 'nowhere', partSize: 5 * MiB });
    stores.push(sut);
    await assert.rejects(sut.check(), /object store http:\/\/127\.0\.0\.1:\d+\/nowhere: bucketExists failed: .*ECONNREFUSED/);
  });
});

void describe(`${S3ObjectStore.name} over https`, () => {
  let tlsPeer: VersitygwPeer;
  let caFile: string;
  before(async () => {
    const dir = tempDir('stackyard-s3-tls');
    const ca = await createCertificateAuthority('Stackyard test CA');
    const leaf = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
    writeFileSync(join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
    tlsPeer = await startVersitygw({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), caFile } });
  });
  after(async () => {
    await tlsPeer?.stop();
  });

  void it('trusts the endpoint through the given CA file', async () => {
    assert.match(tlsPeer.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    const sut = store(tlsPeer, { caFile });
    await sut.ensureBucket();
    await sut.put('over/tls', Buffer.from('sealed'));
    assert.deepEqual(await sut.getBuffer('over/tls'), Buffer.from('sealed'));
  });

  void it('refuses the endpoint without the CA file', async () => {
    const sut = store(tlsPeer);
    await assert.rejects(sut.check(), /certificate|self.signed|unable to verify/i);
  });
});
