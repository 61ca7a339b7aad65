import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * An in-repo Google Cloud KMS emulator: the real `google.cloud.kms.v1.KeyManagementService` gRPC
 * service (definitions loaded from the protos shipped in `@google-cloud/kms`, so the wire format
 * is the official one), with real AES-256-GCM per key version. It exists because neither GCP KMS
 * emulator is served by the Go module proxy (gcp-kms-emulator, fake-cloud-kms: "This module
 * version is not available"), and Google's CLI ships no KMS emulator.
 *
 * Implemented (GCP_KMS_EMULATOR_RPCS): CreateKeyRing, GetKeyRing, CreateCryptoKey (ENCRYPT_DECRYPT,
 * SOFTWARE, creates version 1), GetCryptoKey, CreateCryptoKeyVersion, GetCryptoKeyVersion,
 * UpdateCryptoKeyPrimaryVersion, Encrypt, Decrypt — with the behaviour service.proto documents:
 * ids matching `[a-zA-Z0-9_-]{1,63}`, Encrypt names the version used, Decrypt finds the version
 * from the ciphertext, plaintext and AAD at most 64 KiB, CRC32C checks of requests
 * (INVALID_ARGUMENT on mismatch) and CRC32C fields in answers, AAD authenticated, INVALID_ARGUMENT
 * for a ciphertext that does not decrypt, NOT_FOUND / ALREADY_EXISTS / FAILED_PRECONDITION like
 * the service. Everything else answers UNIMPLEMENTED (other RPCs, other key purposes, HSM/EXTERNAL
 * protection levels, skip_initial_version_creation). gcp-kms.emulator.spec.ts checks all of this
 * against the protos. Ciphertext: version id (uint32 BE) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */
export interface GcpKmsEmulator {
  /** `127.0.0.1` and the port: `new KeyManagementServiceClient({ apiEndpoint, port, sslCreds: insecure })`. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

interface Version {
  id: number;
  key: Buffer;
  state: 'ENABLED' | 'DISABLED';
  createdAt: Date;
}
interface CryptoKey {
  name: string;
  primary: number;
  versions: Map<number, Version>;
  createdAt: Date;
}

type Call<T> = grpc.ServerUnaryCall<T, unknown>;
type Callback = grpc.sendUnaryData<unknown>;
type Msg = Record<string, unknown>;

/**
 * The RPCs of `google.cloud.kms.v1.KeyManagementService` the emulator implements, with the request
 * and response message types (package google.cloud.kms.v1) service.proto declares for them. The
 * emulator refuses to start if the loaded service disagrees; everything else is UNIMPLEMENTED.
 */
export const GCP_KMS_EMULATOR_RPCS = {
  CreateKeyRing: { request: 'CreateKeyRingRequest', response: 'KeyRing' },
  GetKeyRing: { request: 'GetKeyRingRequest', response: 'KeyRing' },
  CreateCryptoKey: { request: 'CreateCryptoKeyRequest', response: 'CryptoKey' },
  GetCryptoKey: { request: 'GetCryptoKeyRequest', response: 'CryptoKey' },
  CreateCryptoKeyVersion: { request: 'CreateCryptoKeyVersionRequest', response: 'CryptoKeyVersion' },
  GetCryptoKeyVersion: { request: 'GetCryptoKeyVersionRequest', response: 'CryptoKeyVersion' },
  UpdateCryptoKeyPrimaryVersion: { request: 'UpdateCryptoKeyPrimaryVersionRequest', response: 'CryptoKey' },
  Encrypt: { request: 'EncryptRequest', response: 'EncryptResponse' },
  Decrypt: { request: 'DecryptRequest', response: 'DecryptResponse' },
} as const satisfies Record<string, { request: string; response: string }>;
type ImplementedRpc = keyof typeof GCP_KMS_EMULATOR_RPCS;

/** `key_ring_id` and `crypto_key_id` (service.proto). */
const RESOURCE_ID = /^[a-zA-Z0-9_-]{1,63}$/;
const CRYPTO_KEY_NAME = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;
/** EncryptRequest: plaintext and additional_authenticated_data of SOFTWARE keys. */
const MAX_SOFTWARE_BYTES = 64 * 1024;

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/** A package's directory (its `exports` may hide package.json from require.resolve). */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${name}`);
    dir = parent;
  }
  return dir;
}

function loadService(): grpc.ServiceDefinition {
  const kmsProtos = join(packageRoot('@google-cloud/kms'), 'build', 'protos');
  const gaxProtos = join(packageRoot('google-gax'), 'build', 'protos');
  const definition = protoLoader.loadSync('google/cloud/kms/v1/service.proto', {
    includeDirs: [kmsProtos, gaxProtos],
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const service = (definition['google.cloud.kms.v1.KeyManagementService'] as unknown as grpc.ServiceDefinition | undefined) ?? undefined;
  if (!service) throw new Error('google.cloud.kms.v1.KeyManagementService not found in the @google-cloud/kms protos');
  return service;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC32C (Castagnoli), as KMS uses for its integrity fields. Deliberately its own code, not the
 * provider's (libs/secrets/key-providers/src/crc32c.ts): an emulator sharing the client's checksum
 * could not catch a bug in it. Pinned by a known-answer test (gcp-kms.emulator.spec.ts).
 */
export function crc32c(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function timestamp(date: Date): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(date.getTime() / 1000)), nanos: (date.getTime() % 1000) * 1e6 };
}

function int64Value(value: number): { value: string } {
  return { value: String(value) };
}

function optionalInt64(field: unknown): number | undefined {
  if (field === null || field === undefined) return undefined;
  const value = (field as { value?: unknown }).value;
  return value === undefined ? undefined : Number(value);
}

export async function startGcpKmsEmulator(options: { host?: string; port?: number } = {}): Promise<GcpKmsEmulator> {
  const keyRings = new Map<string, Date>();
  const keys = new Map<string, CryptoKey>();

  const versionResource = (key: CryptoKey, v: Version): Msg => ({
    name: `${key.name}/cryptoKeyVersions/${v.id}`,
    state: v.state,
    protectionLevel: 'SOFTWARE',
    algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION',
    createTime: timestamp(v.createdAt),
    generateTime: timestamp(v.createdAt),
  });
  const keyResource = (key: CryptoKey): Msg => ({
    name: key.name,
    primary: versionResource(key, key.versions.get(key.primary)!),
    purpose: 'ENCRYPT_DECRYPT',
    createTime: timestamp(key.createdAt),
    versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
  });
  const newVersion = (key: CryptoKey): Version => {
    const v: Version = { id: key.versions.size + 1, key: randomBytes(32), state: 'ENABLED', createdAt: new Date() };
    key.versions.set(v.id, v);
    return v;
  };
  const findKey = (name: string): CryptoKey => {
    if (!CRYPTO_KEY_NAME.test(name)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid CryptoKey name ${JSON.stringify(name)}.`);
    const key = keys.get(name);
    if (!key) throw new RpcError(grpc.status.NOT_FOUND, `CryptoKey ${name} not found.`);
    return key;
  };
  const splitVersionName = (name: string): { key: CryptoKey; id: number } => {
    const match = /^(.+)\/cryptoKeyVersions\/(\d+)$/.exec(name);
    if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid CryptoKeyVersion name ${name}.`);
    const key = findKey(match[1]);
    const id = Number(match[2]);
    if (!key.versions.has(id)) throw new RpcError(grpc.status.NOT_FOUND, `CryptoKeyVersion ${name} not found.`);
    return { key, id };
  };
  const checkCrc = (data: Buffer, field: unknown, what: string): boolean => {
    const expected = optionalInt64(field);
    if (expected === undefined) return false;
    if (expected !== crc32c(data)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `The checksum in field ${what} did not match the data in field ${what.replace(/_crc32c$/, '')}.`);
    return true;
  };

  const handlers: Record<ImplementedRpc, (request: Msg) => Msg> = {
    CreateKeyRing(request) {
      const name = `${String(request['parent'])}/keyRings/${String(request['keyRingId'])}`;
      if (!/^projects\/[^/]+\/locations\/[^/]+$/.test(String(request['parent']))) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid parent ${String(request['parent'])}.`);
      if (!RESOURCE_ID.test(String(request['keyRingId']))) throw new RpcError(grpc.status.INVALID_ARGUMENT, `key_ring_id must match ${RESOURCE_ID.source}.`);
      if (keyRings.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `KeyRing ${name} already exists.`);
      const created = new Date();
      keyRings.set(name, created);
      return { name, createTime: timestamp(created) };
    },
    GetKeyRing(request) {
      const created = keyRings.get(String(request['name']));
      if (!created) throw new RpcError(grpc.status.NOT_FOUND, `KeyRing ${String(request['name'])} not found.`);
      return { name: request['name'], createTime: timestamp(created) };
    },
    CreateCryptoKey(request) {
      const parent = String(request['parent']);
      if (!keyRings.has(parent)) throw new RpcError(grpc.status.NOT_FOUND, `KeyRing ${parent} not found.`);
      if (!RESOURCE_ID.test(String(request['cryptoKeyId']))) throw new RpcError(grpc.status.INVALID_ARGUMENT, `crypto_key_id must match ${RESOURCE_ID.source}.`);
      const spec = (request['cryptoKey'] ?? {}) as Msg;
      const purpose = String(spec['purpose']);
      if (purpose === 'CRYPTO_KEY_PURPOSE_UNSPECIFIED') throw new RpcError(grpc.status.INVALID_ARGUMENT, 'crypto_key.purpose is required.');
      if (purpose !== 'ENCRYPT_DECRYPT') throw new RpcError(grpc.status.UNIMPLEMENTED, `this emulator only has ENCRYPT_DECRYPT keys (asked for ${purpose}).`);
      const template = (spec['versionTemplate'] ?? {}) as Msg;
      const algorithm = typeof template['algorithm'] === 'string' ? template['algorithm'] : 'CRYPTO_KEY_VERSION_ALGORITHM_UNSPECIFIED';
      if (algorithm !== 'CRYPTO_KEY_VERSION_ALGORITHM_UNSPECIFIED' && algorithm !== 'GOOGLE_SYMMETRIC_ENCRYPTION') {
        throw new RpcError(grpc.status.INVALID_ARGUMENT, `Algorithm ${algorithm} does not fit purpose ENCRYPT_DECRYPT.`);
      }
      const protection = typeof template['protectionLevel'] === 'string' ? template['protectionLevel'] : 'PROTECTION_LEVEL_UNSPECIFIED';
      if (protection !== 'PROTECTION_LEVEL_UNSPECIFIED' && protection !== 'SOFTWARE') throw new RpcError(grpc.status.UNIMPLEMENTED, `this emulator only has SOFTWARE keys (asked for ${protection}).`);
      if (request['skipInitialVersionCreation'] === true) throw new RpcError(grpc.status.UNIMPLEMENTED, 'skip_initial_version_creation (key import) is not implemented by this emulator.');
      const name = `${parent}/cryptoKeys/${String(request['cryptoKeyId'])}`;
      if (keys.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `CryptoKey ${name} already exists.`);
      const key: CryptoKey = { name, primary: 1, versions: new Map(), createdAt: new Date() };
      newVersion(key);
      keys.set(name, key);
      return keyResource(key);
    },
    GetCryptoKey(request) {
      return keyResource(findKey(String(request['name'])));
    },
    CreateCryptoKeyVersion(request) {
      const key = findKey(String(request['parent']));
      return versionResource(key, newVersion(key));
    },
    GetCryptoKeyVersion(request) {
      const { key, id } = splitVersionName(String(request['name']));
      return versionResource(key, key.versions.get(id)!);
    },
    UpdateCryptoKeyPrimaryVersion(request) {
      const key = findKey(String(request['name']));
      const id = Number(request['cryptoKeyVersionId']);
      const version = key.versions.get(id);
      if (!version) throw new RpcError(grpc.status.NOT_FOUND, `CryptoKeyVersion ${key.name}/cryptoKeyVersions/${String(request['cryptoKeyVersionId'])} not found.`);
      if (version.state !== 'ENABLED') throw new RpcError(grpc.status.FAILED_PRECONDITION, `CryptoKeyVersion ${id} is not ENABLED.`);
      key.primary = id;
      return keyResource(key);
    },
    Encrypt(request) {
      const name = String(request['name']);
      const versioned = /\/cryptoKeyVersions\/\d+$/.test(name);
      const { key, id } = versioned ? splitVersionName(name) : { key: findKey(name), id: undefined };
      const version = key.versions.get(id ?? key.primary)!;
      if (version.state !== 'ENABLED') throw new RpcError(grpc.status.FAILED_PRECONDITION, `CryptoKeyVersion ${version.id} is not ENABLED.`);
      const plaintext = request['plaintext'] as Buffer;
      const aad = request['additionalAuthenticatedData'] as Buffer;
      if (plaintext.length > MAX_SOFTWARE_BYTES) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The plaintext is larger than 64 KiB.');
      if (aad.length > MAX_SOFTWARE_BYTES) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The additional authenticated data is larger than 64 KiB.');
      const verifiedPlaintext = checkCrc(plaintext, request['plaintextCrc32c'], 'plaintext_crc32c');
      const verifiedAad = checkCrc(aad, request['additionalAuthenticatedDataCrc32c'], 'additional_authenticated_data_crc32c');
      const nonce = randomBytes(12);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(version.id, 0);
      const cipher = createCipheriv('aes-256-gcm', version.key, nonce);
      cipher.setAAD(Buffer.concat([header, aad]));
      const ciphertext = Buffer.concat([header, nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        name: `${key.name}/cryptoKeyVersions/${version.id}`,
        ciphertext,
        ciphertextCrc32c: int64Value(crc32c(ciphertext)),
        verifiedPlaintextCrc32c: verifiedPlaintext,
        verifiedAdditionalAuthenticatedDataCrc32c: verifiedAad,
        protectionLevel: 'SOFTWARE',
      };
    },
    Decrypt(request) {
      const key = findKey(String(request['name']));
      const ciphertext = request['ciphertext'] as Buffer;
      const aad = request['additionalAuthenticatedData'] as Buffer;
      checkCrc(ciphertext, request['ciphertextCrc32c'], 'ciphertext_crc32c');
      checkCrc(aad, request['additionalAuthenticatedDataCrc32c'], 'additional_authenticated_data_crc32c');
      const invalid = new RpcError(grpc.status.INVALID_ARGUMENT, 'Decryption failed: the ciphertext is invalid.');
      if (ciphertext.length < 4 + 12 + 16) throw invalid;
      const version = key.versions.get(ciphertext.readUInt32BE(0));
      if (!version) throw invalid;
      if (version.state !== 'ENABLED') throw new RpcError(grpc.status.FAILED_PRECONDITION, `CryptoKeyVersion ${version.id} is not ENABLED.`);
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', version.key, ciphertext.subarray(4, 16));
        decipher.setAAD(Buffer.concat([ciphertext.subarray(0, 4), aad]));
        decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
        plaintext = Buffer.concat([decipher.update(ciphertext.subarray(16, ciphertext.length - 16)), decipher.final()]);
      } catch {
        throw invalid;
      }
      return { plaintext, plaintextCrc32c: int64Value(crc32c(plaintext)), usedPrimary: version.id === key.primary, protectionLevel: 'SOFTWARE' };
    },
  };

  const service = loadService();
  for (const [rpc, types] of Object.entries(GCP_KMS_EMULATOR_RPCS)) {
    const definition = service[rpc] as (grpc.MethodDefinition<unknown, unknown> & { requestType?: { type?: { name?: string } }; responseType?: { type?: { name?: string } } }) | undefined;
    const actual = { request: definition?.requestType?.type?.name, response: definition?.responseType?.type?.name };
    if (!definition || definition.requestStream || definition.responseStream || actual.request !== types.request || actual.response !== types.response) {
      throw new Error(`the GCP KMS emulator implements ${rpc}(${types.request}) → ${types.response}, but the @google-cloud/kms protos declare ${definition ? `${actual.request} → ${actual.response}` : 'no such RPC'}`);
    }
  }
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service)) {
    const handler = Object.hasOwn(handlers, method) ? handlers[method as ImplementedRpc] : undefined;
    implementation[method] = (call: Call<Msg>, callback: Callback) => {
      if (!handler) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the Stackyard GCP KMS emulator` });
        return;
      }
      try {
        callback(null, handler(call.request));
      } catch (error) {
        if (error instanceof RpcError) callback({ code: error.code, details: error.message });
        else callback({ code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) });
      }
    };
  }

  const server = new grpc.Server();
  server.addService(service, implementation);
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  let stopped = false;
  return {
    host,
    port,
    stop(): Promise<void> {
      if (stopped) return Promise.resolve();
      stopped = true;
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
