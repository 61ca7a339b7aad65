import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GCP_KMS_EMULATOR_RPCS, startGcpKmsEmulator, type GcpKmsEmulator } from './gcp-kms.emulator';

// Conformance of the GCP KMS emulator to the vendor's published API: the protobuf service
// google.cloud.kms.v1.KeyManagementService as shipped in the npm package @google-cloud/kms 6.3.0,
// file build/protos/google/cloud/kms/v1/service.proto (the same service as googleapis/googleapis
// google/cloud/kms/v1/service.proto; imports from google-gax 6.17.0's build/protos). The
// definition is loaded here on its own, not through the emulator. Facts carried over from the
// proto's comments: the fields of EncryptResponse and DecryptResponse and what they mean (CRC32C
// of the returned bytes; `verified_*_crc32c` true only when the request carried that checksum),
// a request checksum that does not match is an error (INVALID_ARGUMENT), SOFTWARE plaintext and
// additional_authenticated_data are at most 64 KiB, `key_ring_id` / `crypto_key_id` match
// `[a-zA-Z0-9_-]{1,63}`, Encrypt takes a CryptoKey (its primary version) or a CryptoKeyVersion,
// and CreateCryptoKeyVersion sets state ENABLED when it is unset.

const SPEC = {
  package: '@google-cloud/kms',
  version: '6.3.0',
  file: 'build/protos/google/cloud/kms/v1/service.proto',
  service: 'google.cloud.kms.v1.KeyManagementService',
  messagePackage: 'google.cloud.kms.v1',
  /** EncryptResponse fields (name → number) and what they carry. */
  encryptResponse: { name: 1, ciphertext: 2, ciphertextCrc32c: 4, verifiedPlaintextCrc32c: 5, verifiedAdditionalAuthenticatedDataCrc32c: 6, protectionLevel: 7 },
  decryptResponse: { plaintext: 1, plaintextCrc32c: 2, usedPrimary: 3, protectionLevel: 4 },
  maxSoftwareBytes: 64 * 1024,
  resourceId: /^[a-zA-Z0-9_-]{1,63}$/,
} as const;

/** A package's directory (its `exports` may hide package.json from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the directory of ${name}`);
    dir = parent;
  }
  return dir;
}

const kmsDir = packageDir(SPEC.package);
// defaults: false, so that an answer shows which fields the emulator actually put on the wire.
const official = protoLoader.loadSync('google/cloud/kms/v1/service.proto', {
  includeDirs: [join(kmsDir, 'build', 'protos'), join(packageDir('google-gax'), 'build', 'protos')],
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
type MethodDefinition = protoLoader.MethodDefinition<object, object>;
const service = official[SPEC.service] as unknown as Record<string, MethodDefinition>;

interface Field {
  name: string;
  number: number;
  typeName: string;
}
/** proto-loader's `type` is a google.protobuf.DescriptorProto / EnumDescriptorProto object. */
const descriptorName = (definition: { type: object }): string => (definition.type as { name: string }).name;
const messageFields = (message: string): Field[] => {
  const type = official[`${SPEC.messagePackage}.${message}`] as protoLoader.MessageTypeDefinition<object, object> | undefined;
  assert.ok(type, `${message} is not a message of ${SPEC.messagePackage}`);
  return (type.type as { field: Field[] }).field;
};
const enumValues = (name: string): string[] => {
  const type = official[`${SPEC.messagePackage}.${name}`] as protoLoader.EnumTypeDefinition | undefined;
  assert.ok(type, `${name} is not an enum of ${SPEC.messagePackage}`);
  return (type.type as { value: { name: string }[] }).value.map((v) => v.name);
};

/** CRC32C (Castagnoli, reflected 0x82F63B78), bit by bit: independent of the emulator's table. */
function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const int64 = (value: number): { value: string } => ({ value: String(value) });

interface EncryptResponse {
  name?: string;
  ciphertext?: Buffer;
  ciphertextCrc32c?: { value?: string };
  verifiedPlaintextCrc32c?: boolean;
  verifiedAdditionalAuthenticatedDataCrc32c?: boolean;
  protectionLevel?: string;
}
interface DecryptResponse {
  plaintext?: Buffer;
  plaintextCrc32c?: { value?: string };
  usedPrimary?: boolean;
  protectionLevel?: string;
}

void describe(`GCP KMS emulator against ${SPEC.service} (${SPEC.package} ${SPEC.version}, ${SPEC.file})`, () => {
  let kms: GcpKmsEmulator;
  let client: grpc.Client;
  before(async () => {
    kms = await startGcpKmsEmulator();
    client = new grpc.Client(`${kms.host}:${kms.port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await kms.stop();
  });

  const call = <T>(rpc: string, request: object): Promise<T> => {
    const method = service[rpc];
    assert.ok(method, `${rpc} is not an RPC of ${SPEC.service}`);
    return new Promise<T>((resolve, reject) => {
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, (error, response) => (error ? reject(error) : resolve(response as T)));
    });
  };
  const callError = async (rpc: string, request: object): Promise<grpc.ServiceError> => {
    try {
      await call(rpc, request);
    } catch (error) {
      return error as grpc.ServiceError;
    }
    const summary = JSON.stringify(request, (_key, value: unknown) =>
      (value as { type?: unknown } | null)?.type === 'Buffer' ? `<${(value as { data: unknown[] }).data.length} bytes>` : value,
    );
    assert.fail(`${rpc} succeeded: ${summary}`);
  };
  const assertCode = async (rpc: string, request: object, code: grpc.status): Promise<void> => {
    const error = await callError(rpc, request);
    assert.equal(error.code, code, `${rpc} answered ${grpc.status[error.code]} (${error.details}), expected ${grpc.status[code]}`);
  };

  let ringCounter = 0;
  /** A key ring with one ENCRYPT_DECRYPT key, made through the official RPCs. */
  const newKey = async (): Promise<string> => {
    const ring = await call<{ name: string }>('CreateKeyRing', { parent: 'projects/conformance/locations/global', keyRingId: `ring-${++ringCounter}`, keyRing: {} });
    const key = await call<{ name: string }>('CreateCryptoKey', { parent: ring.name, cryptoKeyId: 'kek', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } });
    return key.name;
  };
  const encrypt = (name: string, plaintext: Buffer, aad: Buffer, withChecksums = true): Promise<EncryptResponse> =>
    call<EncryptResponse>('Encrypt', {
      name,
      plaintext,
      additionalAuthenticatedData: aad,
      ...(withChecksums ? { plaintextCrc32c: int64(crc32c(plaintext)), additionalAuthenticatedDataCrc32c: int64(crc32c(aad)) } : {}),
    });
  const decrypt = (name: string, ciphertext: Buffer, aad: Buffer): Promise<DecryptResponse> =>
    call<DecryptResponse>('Decrypt', { name, ciphertext, additionalAuthenticatedData: aad, ciphertextCrc32c: int64(crc32c(ciphertext)), additionalAuthenticatedDataCrc32c: int64(crc32c(aad)) });
  /** Only fields service.proto declares, and each documented one as it documents it. */
  const assertEncryptResponse = (response: EncryptResponse, expected: { version: string; verifiedPlaintext: boolean; verifiedAad: boolean }): Buffer => {
    for (const field of Object.keys(response)) assert.ok(field in SPEC.encryptResponse, `EncryptResponse.${field} is not documented`);
    assert.equal(response.name, expected.version, 'name: the CryptoKeyVersion used');
    assert.ok(Buffer.isBuffer(response.ciphertext) && response.ciphertext.length > 0, 'ciphertext');
    assert.equal(response.ciphertextCrc32c?.value, String(crc32c(response.ciphertext)), 'ciphertextCrc32c: CRC32C of the returned ciphertext');
    assert.equal(response.verifiedPlaintextCrc32c ?? false, expected.verifiedPlaintext, 'verifiedPlaintextCrc32c');
    assert.equal(response.verifiedAdditionalAuthenticatedDataCrc32c ?? false, expected.verifiedAad, 'verifiedAdditionalAuthenticatedDataCrc32c');
    assert.equal(response.protectionLevel, 'SOFTWARE', 'protectionLevel of the version used');
    return response.ciphertext;
  };
  const assertDecryptResponse = (response: DecryptResponse, plaintext: Buffer, usedPrimary: boolean): void => {
    for (const field of Object.keys(response)) assert.ok(field in SPEC.decryptResponse, `DecryptResponse.${field} is not documented`);
    assert.deepEqual(response.plaintext, plaintext);
    assert.equal(response.plaintextCrc32c?.value, String(crc32c(plaintext)), 'plaintextCrc32c: CRC32C of the returned plaintext');
    assert.equal(response.usedPrimary ?? false, usedPrimary, 'usedPrimary');
    assert.equal(response.protectionLevel, 'SOFTWARE');
  };

  void describe('the service definition', () => {
    void it(`is the one the facts were read from (${SPEC.package} ${SPEC.version})`, () => {
      const manifest = JSON.parse(readFileSync(join(kmsDir, 'package.json'), 'utf8')) as { version: string };
      assert.equal(manifest.version, SPEC.version, `re-read ${SPEC.file} of the new version and update SPEC`);
      assert.ok(existsSync(join(kmsDir, SPEC.file)));
    });

    void it('has only unary RPCs (the emulator serves every RPC as unary)', () => {
      for (const [rpc, method] of Object.entries(service)) assert.ok(!method.requestStream && !method.responseStream, `${rpc} streams`);
    });

    void it('declares every RPC the emulator implements, with the same request and response messages', () => {
      for (const [rpc, types] of Object.entries(GCP_KMS_EMULATOR_RPCS)) {
        const method = service[rpc];
        assert.ok(method, `${rpc} is not an RPC of ${SPEC.service}`);
        assert.equal(method.path, `/${SPEC.service}/${rpc}`);
        assert.equal(descriptorName(method.requestType), types.request, `${rpc} request`);
        assert.equal(descriptorName(method.responseType), types.response, `${rpc} response`);
        messageFields(types.request);
        messageFields(types.response);
      }
    });

    void it('declares EncryptResponse and DecryptResponse with exactly the documented fields', () => {
      const table = (message: string): Record<string, number> => Object.fromEntries(messageFields(message).map((f) => [f.name, f.number]));
      assert.deepEqual(table('EncryptResponse'), SPEC.encryptResponse);
      assert.deepEqual(table('DecryptResponse'), SPEC.decryptResponse);
      const crcFields = messageFields('EncryptResponse').filter((f) => f.name === 'ciphertextCrc32c');
      assert.match(crcFields[0]?.typeName ?? '', /Int64Value$/);
      assert.ok(enumValues('ProtectionLevel').includes('SOFTWARE'));
    });
  });

  void describe('RPCs over the wire', () => {
    void it('answers every RPC it does not implement with UNIMPLEMENTED', async () => {
      const others = Object.keys(service).filter((rpc) => !(rpc in GCP_KMS_EMULATOR_RPCS));
      assert.ok(others.length > 20, `${others.length} other RPCs`);
      for (const rpc of others) await assertCode(rpc, {}, grpc.status.UNIMPLEMENTED);
    });

    void it('implements the RPCs it declares (an empty request is refused, but not as UNIMPLEMENTED)', async () => {
      for (const rpc of Object.keys(GCP_KMS_EMULATOR_RPCS)) {
        const error = await callError(rpc, {});
        assert.notEqual(error.code, grpc.status.UNIMPLEMENTED, `${rpc}: ${error.details}`);
      }
    });
  });

  void describe('resources', () => {
    void it('creates key rings and keys with ids matching [a-zA-Z0-9_-]{1,63}, and refuses other ids with INVALID_ARGUMENT', async () => {
      const parent = 'projects/conformance/locations/global';
      for (const bad of ['', 'has space', 'dot.ted', 'x'.repeat(64)]) {
        assert.ok(!SPEC.resourceId.test(bad));
        await assertCode('CreateKeyRing', { parent, keyRingId: bad, keyRing: {} }, grpc.status.INVALID_ARGUMENT);
      }
      const ring = await call<{ name: string; createTime?: object }>('CreateKeyRing', { parent, keyRingId: 'ids_and-dashes', keyRing: {} });
      assert.equal(ring.name, `${parent}/keyRings/ids_and-dashes`);
      assert.ok(ring.createTime);
      await assertCode('CreateKeyRing', { parent, keyRingId: 'ids_and-dashes', keyRing: {} }, grpc.status.ALREADY_EXISTS);
      assert.equal((await call<{ name: string }>('GetKeyRing', { name: ring.name })).name, ring.name);
      await assertCode('CreateCryptoKey', { parent: ring.name, cryptoKeyId: 'bad/id', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } }, grpc.status.INVALID_ARGUMENT);
      await assertCode('CreateCryptoKey', { parent: ring.name, cryptoKeyId: 'k', cryptoKey: {} }, grpc.status.INVALID_ARGUMENT);
      await assertCode('CreateCryptoKey', { parent: `${parent}/keyRings/missing`, cryptoKeyId: 'k', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } }, grpc.status.NOT_FOUND);
    });

    void it('refuses what an ENCRYPT_DECRYPT key cannot be, and answers UNIMPLEMENTED for what the emulator does not do', async () => {
      const ring = await call<{ name: string }>('CreateKeyRing', { parent: 'projects/conformance/locations/global', keyRingId: 'variants', keyRing: {} });
      const create = (cryptoKey: object, extra: object = {}): object => ({ parent: ring.name, cryptoKeyId: 'variant', cryptoKey, ...extra });
      assert.ok(enumValues('ProtectionLevel').includes('HSM'));
      await assertCode('CreateCryptoKey', create({ purpose: 'ENCRYPT_DECRYPT', versionTemplate: { algorithm: 'RSA_SIGN_PSS_2048_SHA256' } }), grpc.status.INVALID_ARGUMENT);
      await assertCode('CreateCryptoKey', create({ purpose: 'ASYMMETRIC_SIGN' }), grpc.status.UNIMPLEMENTED);
      await assertCode('CreateCryptoKey', create({ purpose: 'ENCRYPT_DECRYPT', versionTemplate: { protectionLevel: 'HSM' } }), grpc.status.UNIMPLEMENTED);
      await assertCode('CreateCryptoKey', create({ purpose: 'ENCRYPT_DECRYPT' }, { skipInitialVersionCreation: true }), grpc.status.UNIMPLEMENTED);
      const key = await call<{ name: string }>('CreateCryptoKey', create({ purpose: 'ENCRYPT_DECRYPT', versionTemplate: { algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION', protectionLevel: 'SOFTWARE' } }));
      assert.equal(key.name, `${ring.name}/cryptoKeys/variant`);
    });

    void it('gives a new ENCRYPT_DECRYPT key an ENABLED, SOFTWARE primary version 1', async () => {
      const name = await newKey();
      const key = await call<{ name: string; purpose: string; primary: { name: string; state: string; protectionLevel: string; algorithm: string } }>('GetCryptoKey', { name });
      assert.equal(key.name, name);
      assert.equal(key.purpose, 'ENCRYPT_DECRYPT');
      assert.equal(key.primary.name, `${name}/cryptoKeyVersions/1`);
      assert.equal(key.primary.state, 'ENABLED');
      assert.equal(key.primary.protectionLevel, 'SOFTWARE');
      assert.equal(key.primary.algorithm, 'GOOGLE_SYMMETRIC_ENCRYPTION');
      assert.ok(enumValues('ProtectionLevel').includes(key.primary.protectionLevel));
      const version = await call<{ name: string; state: string }>('GetCryptoKeyVersion', { name: key.primary.name });
      assert.equal(version.name, key.primary.name);
      await assertCode('GetCryptoKeyVersion', { name: `${name}/cryptoKeyVersions/9` }, grpc.status.NOT_FOUND);
    });
  });

  void describe('Encrypt / Decrypt', () => {
    void it('uses a CRC32C that is the Castagnoli one (RFC 3720 B.4 check value)', () => {
      assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    });

    void it('Encrypt answers every documented field: the version used, the ciphertext, its CRC32C, the verified flags, the protection level', async () => {
      const name = await newKey();
      const plaintext = randomBytes(32);
      const aad = Buffer.from('stack:conformance');
      assertEncryptResponse(await encrypt(name, plaintext, aad), { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: true, verifiedAad: true });
      // Flags say whether the request carried the checksum: not carried, not verified.
      assertEncryptResponse(await encrypt(name, plaintext, aad, false), { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: false, verifiedAad: false });
      const onlyPlaintext = await call<EncryptResponse>('Encrypt', { name, plaintext, additionalAuthenticatedData: aad, plaintextCrc32c: int64(crc32c(plaintext)) });
      assertEncryptResponse(onlyPlaintext, { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: true, verifiedAad: false });
    });

    void it('Decrypt answers the plaintext, its CRC32C, usedPrimary and the protection level', async () => {
      const name = await newKey();
      const plaintext = randomBytes(48);
      const aad = Buffer.from('stack:decrypt');
      const ciphertext = assertEncryptResponse(await encrypt(name, plaintext, aad), { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: true, verifiedAad: true });
      assertDecryptResponse(await decrypt(name, ciphertext, aad), plaintext, true);
    });

    void it('refuses a request whose checksum does not match its data with INVALID_ARGUMENT', async () => {
      const name = await newKey();
      const plaintext = randomBytes(32);
      const aad = Buffer.from('stack:crc');
      const wrong = (data: Buffer): { value: string } => int64((crc32c(data) ^ 1) >>> 0);
      await assertCode('Encrypt', { name, plaintext, plaintextCrc32c: wrong(plaintext) }, grpc.status.INVALID_ARGUMENT);
      await assertCode('Encrypt', { name, plaintext, additionalAuthenticatedData: aad, additionalAuthenticatedDataCrc32c: wrong(aad) }, grpc.status.INVALID_ARGUMENT);
      const ciphertext = (await encrypt(name, plaintext, aad)).ciphertext!;
      await assertCode('Decrypt', { name, ciphertext, additionalAuthenticatedData: aad, ciphertextCrc32c: wrong(ciphertext) }, grpc.status.INVALID_ARGUMENT);
      await assertCode('Decrypt', { name, ciphertext, additionalAuthenticatedData: aad, additionalAuthenticatedDataCrc32c: wrong(aad) }, grpc.status.INVALID_ARGUMENT);
    });

    void it('authenticates the additional data and the ciphertext (INVALID_ARGUMENT otherwise)', async () => {
      const name = await newKey();
      const ciphertext = (await encrypt(name, randomBytes(32), Buffer.from('stack:a'))).ciphertext!;
      await assertCode('Decrypt', { name, ciphertext, additionalAuthenticatedData: Buffer.from('stack:b') }, grpc.status.INVALID_ARGUMENT);
      const tampered = Buffer.from(ciphertext);
      tampered[tampered.length - 1] ^= 1;
      await assertCode('Decrypt', { name, ciphertext: tampered, additionalAuthenticatedData: Buffer.from('stack:a') }, grpc.status.INVALID_ARGUMENT);
    });

    void it(`takes SOFTWARE plaintext and additional data up to ${SPEC.maxSoftwareBytes} bytes, and refuses more with INVALID_ARGUMENT`, async () => {
      const name = await newKey();
      const limit = SPEC.maxSoftwareBytes;
      const ciphertext = assertEncryptResponse(await encrypt(name, randomBytes(limit), randomBytes(limit)), { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: true, verifiedAad: true });
      assert.ok(ciphertext.length > limit);
      await assertCode('Encrypt', { name, plaintext: randomBytes(limit + 1) }, grpc.status.INVALID_ARGUMENT);
      await assertCode('Encrypt', { name, plaintext: randomBytes(16), additionalAuthenticatedData: randomBytes(limit + 1) }, grpc.status.INVALID_ARGUMENT);
    });

    void it('answers NOT_FOUND for a key that does not exist and INVALID_ARGUMENT for a name that is not a CryptoKey', async () => {
      await assertCode('Encrypt', { name: 'projects/p/locations/global/keyRings/r/cryptoKeys/missing', plaintext: randomBytes(8) }, grpc.status.NOT_FOUND);
      await assertCode('Decrypt', { name: 'projects/p/locations/global/keyRings/r/cryptoKeys/missing', ciphertext: randomBytes(64) }, grpc.status.NOT_FOUND);
      await assertCode('Encrypt', { name: 'not-a-key', plaintext: randomBytes(8) }, grpc.status.INVALID_ARGUMENT);
    });

    void it('follows rotation: a new ENABLED version made primary encrypts, older ciphertext still decrypts with usedPrimary false, and a named version encrypts', async () => {
      const name = await newKey();
      const aad = Buffer.from('stack:rotate');
      const before = randomBytes(32);
      const oldCiphertext = (await encrypt(name, before, aad)).ciphertext!;
      const version = await call<{ name: string; state: string }>('CreateCryptoKeyVersion', { parent: name, cryptoKeyVersion: {} });
      assert.equal(version.name, `${name}/cryptoKeyVersions/2`, 'the next sequential id');
      assert.equal(version.state, 'ENABLED', 'ENABLED when the request leaves state unset');
      const key = await call<{ primary: { name: string } }>('UpdateCryptoKeyPrimaryVersion', { name, cryptoKeyVersionId: '2' });
      assert.equal(key.primary.name, version.name);
      const after = randomBytes(32);
      const newCiphertext = assertEncryptResponse(await encrypt(name, after, aad), { version: version.name, verifiedPlaintext: true, verifiedAad: true });
      assertDecryptResponse(await decrypt(name, newCiphertext, aad), after, true);
      assertDecryptResponse(await decrypt(name, oldCiphertext, aad), before, false);
      assertEncryptResponse(await encrypt(`${name}/cryptoKeyVersions/1`, after, aad), { version: `${name}/cryptoKeyVersions/1`, verifiedPlaintext: true, verifiedAad: true });
      await assertCode('UpdateCryptoKeyPrimaryVersion', { name, cryptoKeyVersionId: '7' }, grpc.status.NOT_FOUND);
    });
  });
});
