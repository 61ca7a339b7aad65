import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { AZURE_KEYVAULT_EMULATOR_OPERATIONS, startAzureKeyVaultEmulator, type AzureKeyVaultEmulator } from './azure-keyvault.emulator';

// Conformance of the Key Vault emulator to the vendor's published API description: requests shaped
// exactly as the document defines them, sent over raw HTTPS (no SDK in between), and every answer
// checked against the schema the document gives for that operation.
//
// Source of every fact below: the OpenAPI 2.0 document of the Key Vault keys data plane,
//   github.com/Azure/azure-rest-api-specs
//   specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json
//   (info.version "2025-07-01": the newest stable version, and the api-version @azure/keyvault-keys
//   4.10.2 sends), commit bbb9d3daf2cc3bc348801f465380235fa8c8ba02. The other stored revision,
//   b85c970dd1a0e695d218cf03fcceb8af3b8cf15c, differs only in x-ms-client-flatten / minLength
//   annotations. Facts are carried over (paths, methods, parameters, enums, schemas); the document
//   itself is not copied. The bearer challenge is not in the document (its securityDefinitions
//   only name OAuth2 with the scope https://vault.azure.net/.default); its format is the one
//   @azure/keyvault-common 2.1.1 (parseWWWAuthenticateHeader, keyVaultAuthenticationPolicy) parses.

const SPEC = {
  file: 'specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json',
  commit: 'bbb9d3daf2cc3bc348801f465380235fa8c8ba02',
  /** parameters.Azure.Core.Foundations.ApiVersionParameter: `api-version`, in query, required, minLength 1. */
  apiVersion: '2025-07-01',
  /** `key-name` of CreateKey, RotateKey and ImportKey. */
  keyNamePattern: /^[0-9a-zA-Z-]+$/,
  /** securityDefinitions.OAuth2Auth scope. */
  oauthScope: 'https://vault.azure.net/.default',
} as const;

type DefinitionName = 'Error' | 'KeyVaultError' | 'JsonWebKey' | 'KeyAttestation' | 'KeyAttributes' | 'KeyReleasePolicy' | 'KeyBundle' | 'KeyOperationResult';
type Schema =
  | { type: 'string'; format?: 'base64url'; enum?: readonly string[] }
  | { type: 'integer'; format: 'int32' | 'unixtime' }
  | { type: 'boolean' }
  | { type: 'array'; items: Schema }
  | { type: 'object'; properties: Readonly<Record<string, Schema>>; additionalProperties?: Schema; required?: readonly string[] }
  | { $ref: DefinitionName };

const ENUMS = {
  JsonWebKeyType: ['EC', 'EC-HSM', 'RSA', 'RSA-HSM', 'oct', 'oct-HSM'],
  JsonWebKeyOperation: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'],
  JsonWebKeyEncryptionAlgorithm: [
    'RSA-OAEP',
    'RSA-OAEP-256',
    'RSA1_5',
    'A128GCM',
    'A192GCM',
    'A256GCM',
    'A128KW',
    'A192KW',
    'A256KW',
    'A128CBC',
    'A192CBC',
    'A256CBC',
    'A128CBCPAD',
    'A192CBCPAD',
    'A256CBCPAD',
    'CKM_AES_KEY_WRAP',
    'CKM_AES_KEY_WRAP_PAD',
  ],
  JsonWebKeyCurveName: ['P-256', 'P-384', 'P-521', 'P-256K'],
  DeletionRecoveryLevel: [
    'Purgeable',
    'Recoverable+Purgeable',
    'Recoverable',
    'Recoverable+ProtectedSubscription',
    'CustomizedRecoverable+Purgeable',
    'CustomizedRecoverable',
    'CustomizedRecoverable+ProtectedSubscription',
  ],
} as const;

const b64url: Schema = { type: 'string', format: 'base64url' };
const str: Schema = { type: 'string' };
const unixtime: Schema = { type: 'integer', format: 'unixtime' };
const tags: Schema = { type: 'object', properties: {}, additionalProperties: str };

/** The definitions the implemented operations answer with (all of their properties, none required by the document). */
const DEFINITIONS: Readonly<Record<DefinitionName, Schema>> = {
  Error: { type: 'object', properties: { code: str, message: str, innererror: { $ref: 'Error' } } },
  KeyVaultError: { type: 'object', properties: { error: { $ref: 'Error' } } },
  JsonWebKey: {
    type: 'object',
    properties: {
      kid: str,
      kty: { type: 'string', enum: ENUMS.JsonWebKeyType },
      key_ops: { type: 'array', items: str },
      n: b64url,
      e: b64url,
      d: b64url,
      dp: b64url,
      dq: b64url,
      qi: b64url,
      p: b64url,
      q: b64url,
      k: b64url,
      key_hsm: b64url,
      crv: { type: 'string', enum: ENUMS.JsonWebKeyCurveName },
      x: b64url,
      y: b64url,
    },
  },
  KeyAttestation: { type: 'object', properties: { certificatePemFile: b64url, privateKeyAttestation: b64url, publicKeyAttestation: b64url, version: str } },
  KeyAttributes: {
    type: 'object',
    properties: {
      enabled: { type: 'boolean' },
      nbf: unixtime,
      exp: unixtime,
      created: unixtime,
      updated: unixtime,
      recoverableDays: { type: 'integer', format: 'int32' },
      recoveryLevel: { type: 'string', enum: ENUMS.DeletionRecoveryLevel },
      exportable: { type: 'boolean' },
      hsmPlatform: str,
      attestation: { $ref: 'KeyAttestation' },
    },
  },
  KeyReleasePolicy: { type: 'object', properties: { contentType: str, immutable: { type: 'boolean' }, data: b64url } },
  KeyBundle: {
    type: 'object',
    properties: { key: { $ref: 'JsonWebKey' }, attributes: { $ref: 'KeyAttributes' }, tags, managed: { type: 'boolean' }, release_policy: { $ref: 'KeyReleasePolicy' } },
  },
  KeyOperationResult: { type: 'object', properties: { kid: str, value: b64url, iv: b64url, tag: b64url, aad: b64url } },
};

/** Request bodies: the document's required members and enums (KeyCreateParameters, KeyOperationsParameters). */
const REQUEST_BODIES = {
  KeyCreateParameters: { required: ['kty'], kty: ENUMS.JsonWebKeyType, key_ops: ENUMS.JsonWebKeyOperation },
  KeyOperationsParameters: { required: ['alg', 'value'], alg: ENUMS.JsonWebKeyEncryptionAlgorithm },
} as const;

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Schema of the `parameters` body parameter, when the operation has one (always required). */
  body?: string;
  /** The 200 (or 204) answer; `default` is KeyVaultError for every operation. */
  response: string;
  status?: 204;
}

/** Every path and method of keys.json 2025-07-01, by operationId. */
const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetDeletedKeys: { method: 'GET', path: '/deletedkeys', response: 'DeletedKeyListResult' },
  GetDeletedKey: { method: 'GET', path: '/deletedkeys/{key-name}', response: 'DeletedKeyBundle' },
  PurgeDeletedKey: { method: 'DELETE', path: '/deletedkeys/{key-name}', response: '', status: 204 },
  RecoverDeletedKey: { method: 'POST', path: '/deletedkeys/{key-name}/recover', response: 'KeyBundle' },
  GetKeys: { method: 'GET', path: '/keys', response: 'KeyListResult' },
  ImportKey: { method: 'PUT', path: '/keys/{key-name}', body: 'KeyImportParameters', response: 'KeyBundle' },
  DeleteKey: { method: 'DELETE', path: '/keys/{key-name}', response: 'DeletedKeyBundle' },
  GetKey: { method: 'GET', path: '/keys/{key-name}/{key-version}', response: 'KeyBundle' },
  UpdateKey: { method: 'PATCH', path: '/keys/{key-name}/{key-version}', body: 'KeyUpdateParameters', response: 'KeyBundle' },
  GetKeyAttestation: { method: 'GET', path: '/keys/{key-name}/{key-version}/attestation', response: 'KeyBundle' },
  decrypt: { method: 'POST', path: '/keys/{key-name}/{key-version}/decrypt', body: 'KeyOperationsParameters', response: 'KeyOperationResult' },
  encrypt: { method: 'POST', path: '/keys/{key-name}/{key-version}/encrypt', body: 'KeyOperationsParameters', response: 'KeyOperationResult' },
  release: { method: 'POST', path: '/keys/{key-name}/{key-version}/release', body: 'KeyReleaseParameters', response: 'KeyReleaseResult' },
  sign: { method: 'POST', path: '/keys/{key-name}/{key-version}/sign', body: 'KeySignParameters', response: 'KeyOperationResult' },
  unwrapKey: { method: 'POST', path: '/keys/{key-name}/{key-version}/unwrapkey', body: 'KeyOperationsParameters', response: 'KeyOperationResult' },
  verify: { method: 'POST', path: '/keys/{key-name}/{key-version}/verify', body: 'KeyVerifyParameters', response: 'KeyVerifyResult' },
  wrapKey: { method: 'POST', path: '/keys/{key-name}/{key-version}/wrapkey', body: 'KeyOperationsParameters', response: 'KeyOperationResult' },
  BackupKey: { method: 'POST', path: '/keys/{key-name}/backup', response: 'BackupKeyResult' },
  CreateKey: { method: 'POST', path: '/keys/{key-name}/create', body: 'KeyCreateParameters', response: 'KeyBundle' },
  RotateKey: { method: 'POST', path: '/keys/{key-name}/rotate', response: 'KeyBundle' },
  GetKeyRotationPolicy: { method: 'GET', path: '/keys/{key-name}/rotationpolicy', response: 'KeyRotationPolicy' },
  UpdateKeyRotationPolicy: { method: 'PUT', path: '/keys/{key-name}/rotationpolicy', body: 'KeyRotationPolicy', response: 'KeyRotationPolicy' },
  GetKeyVersions: { method: 'GET', path: '/keys/{key-name}/versions', response: 'KeyListResult' },
  RestoreKey: { method: 'POST', path: '/keys/restore', body: 'KeyRestoreParameters', response: 'KeyBundle' },
  GetRandomBytes: { method: 'POST', path: '/rng', body: 'GetRandomBytesRequest', response: 'RandomBytes' },
};

/** RSA parameters of JsonWebKeyEncryptionAlgorithm's RSA values, as the document describes them. */
const RSA_ALGORITHMS = {
  'RSA-OAEP': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  'RSA-OAEP-256': { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  RSA1_5: { padding: constants.RSA_PKCS1_PADDING },
} as const;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Problems of `value` against `schema`; stricter than the document in one way: undeclared properties are problems too. */
function validate(schema: Schema, value: unknown, at: string, problems: string[] = []): string[] {
  if ('$ref' in schema) return validate(DEFINITIONS[schema.$ref], value, at, problems);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${at}: ${JSON.stringify(value)} is not a string`);
      else if (schema.format === 'base64url' && !BASE64URL.test(value)) problems.push(`${at}: ${JSON.stringify(value)} is not base64url`);
      else if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) problems.push(`${at}: ${JSON.stringify(value)} is not an integer`);
      else if (schema.format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) problems.push(`${at}: ${value} is not an int32`);
      // unixtime is seconds: a millisecond value would be centuries ahead.
      else if (schema.format === 'unixtime' && (value < 0 || value > 10_000_000_000)) problems.push(`${at}: ${value} is not a unixtime in seconds`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${at}: ${JSON.stringify(value)} is not a boolean`);
      break;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${at}: ${JSON.stringify(value)} is not an array`);
      else value.forEach((item, i) => validate(schema.items, item, `${at}[${i}]`, problems));
      break;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${at}: ${JSON.stringify(value)} is not an object`);
        break;
      }
      const record = value as Record<string, unknown>;
      for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${at}.${name} is required`);
      for (const [name, member] of Object.entries(record)) {
        const declared = schema.properties[name] ?? schema.additionalProperties;
        if (declared) validate(declared, member, `${at}.${name}`, problems);
        else problems.push(`${at}.${name} is not a property the document declares`);
      }
      break;
    }
  }
  return problems;
}

function assertSchema(name: DefinitionName, value: unknown): void {
  const problems = validate({ $ref: name }, value, name);
  assert.deepEqual(problems, [], `${name} does not match ${SPEC.file}:\n${problems.join('\n')}`);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: unknown;
}

void describe(`Azure Key Vault emulator against ${SPEC.file} (${SPEC.apiVersion})`, () => {
  let kv: AzureKeyVaultEmulator;
  before(async () => {
    kv = await startAzureKeyVaultEmulator();
  });
  after(() => kv.stop());

  /** One raw HTTPS request; `query` defaults to the api-version, `token` to the emulator's. */
  const call = (method: string, path: string, options: { body?: unknown; rawBody?: string; query?: Record<string, string>; token?: string | null } = {}): Promise<Answer> => {
    const url = new URL(path, kv.vaultUrl);
    for (const [k, v] of Object.entries(options.query ?? { 'api-version': SPEC.apiVersion })) url.searchParams.set(k, v);
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const token = options.token === undefined ? kv.token : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, ca: kv.caPem, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
          } catch (error) {
            reject(new Error(`${method} ${path} answered ${res.statusCode} with a body that is not JSON: ${text}`, { cause: error }));
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
  const expand = (template: string, params: { name: string; version?: string }): string =>
    template.replace('{key-name}', encodeURIComponent(params.name)).replace('{key-version}', encodeURIComponent(params.version ?? ''));

  /** The operation as the document defines it; answers 200 with its schema. */
  const invoke = async (operationId: string, params: { name: string; version?: string }, body?: unknown): Promise<Record<string, unknown>> => {
    const op = OPERATIONS[operationId];
    assert.ok(op, `${operationId} is not in ${SPEC.file}`);
    assert.equal(op.body !== undefined, body !== undefined, `${operationId} ${op.body ? 'requires' : 'has no'} a body`);
    const answer = await call(op.method, expand(op.path, params), { body });
    assert.equal(answer.status, 200, `${operationId} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    assert.match(String(answer.headers['content-type']), /^application\/json\b/);
    assertSchema(op.response as DefinitionName, answer.json);
    return answer.json as Record<string, unknown>;
  };
  /** A KeyVaultError (the `default` answer of every operation) with this status. */
  const assertKeyVaultError = (answer: Answer, status: number, code?: string): void => {
    assert.equal(answer.status, status, JSON.stringify(answer.json));
    assert.match(String(answer.headers['content-type']), /^application\/json\b/);
    assertSchema('KeyVaultError', answer.json);
    const error = (answer.json as { error?: { code?: unknown; message?: unknown } }).error;
    assert.equal(typeof error?.code, 'string', 'error.code');
    assert.ok(typeof error?.message === 'string' && error.message.length > 0, 'error.message');
    if (code) assert.equal(error.code, code);
  };

  /** Key Vault's key-identifier format, https://{vault}/keys/{name}/{version}. */
  const kidPattern = (name: string): RegExp => new RegExp(`^${kv.vaultUrl.replace(/[.]/g, '\\.')}/keys/${name}/([0-9a-f]{32})$`);
  interface Jwk {
    kid: string;
    kty: string;
    key_ops: string[];
    n: string;
    e: string;
  }
  /** What the SDKs read from a KeyBundle of an RSA key (the document marks nothing required). */
  const assertRsaBundle = (bundle: Record<string, unknown>, name: string): { jwk: Jwk; version: string; publicKey: KeyObject } => {
    const jwk = bundle['key'] as Jwk;
    const attributes = bundle['attributes'] as Record<string, unknown>;
    for (const member of ['kid', 'kty', 'key_ops', 'n', 'e']) assert.ok(member in jwk, `key.${member} is missing`);
    for (const member of ['d', 'dp', 'dq', 'qi', 'p', 'q', 'k']) assert.ok(!(member in jwk), `key.${member}: a GetKey answer is the public part only`);
    for (const member of ['enabled', 'created', 'updated', 'recoveryLevel']) assert.ok(member in attributes, `attributes.${member} is missing`);
    assert.ok(jwk.kty === 'RSA' || jwk.kty === 'RSA-HSM', jwk.kty);
    for (const op of jwk.key_ops) assert.ok((ENUMS.JsonWebKeyOperation as readonly string[]).includes(op), `key_ops: ${op} is not a JsonWebKeyOperation`);
    const match = kidPattern(name).exec(jwk.kid);
    assert.ok(match, `kid ${jwk.kid} is not ${kv.vaultUrl}/keys/${name}/{version}`);
    const created = attributes['created'] as number;
    assert.ok(Math.abs(created - Date.now() / 1000) < 600, `attributes.created ${created} is not now in seconds`);
    return { jwk, version: match[1], publicKey: createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }) };
  };
  let counter = 0;
  const freshName = (): string => `conformance-${++counter}`;
  const createRsa = async (name: string, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof assertRsaBundle>> =>
    assertRsaBundle(await invoke('CreateKey', { name }, { kty: 'RSA', key_size: 2048, ...extra }), name);

  void describe('the document and the emulator agree on what exists', () => {
    void it('every operation the emulator implements is an operation of the document', () => {
      for (const id of AZURE_KEYVAULT_EMULATOR_OPERATIONS) assert.ok(id in OPERATIONS, `${id} is not an operationId of ${SPEC.file}`);
      for (const name of Object.keys(REQUEST_BODIES)) {
        assert.ok(
          Object.values(OPERATIONS).some((op) => op.body === name && AZURE_KEYVAULT_EMULATOR_OPERATIONS.some((id) => OPERATIONS[id] === op)),
          `${name} is the body of an implemented operation`,
        );
      }
    });

    void it('every other operation of the document answers 501 NotImplemented as a KeyVaultError', async () => {
      const name = freshName();
      const { version } = await createRsa(name);
      const others = Object.entries(OPERATIONS).filter(([id]) => !(AZURE_KEYVAULT_EMULATOR_OPERATIONS as readonly string[]).includes(id));
      assert.equal(others.length + AZURE_KEYVAULT_EMULATOR_OPERATIONS.length, 25);
      for (const [id, op] of others) {
        const answer = await call(op.method, expand(op.path, { name, version }), op.body ? { body: {} } : {});
        assertKeyVaultError(answer, 501, 'NotImplemented');
        assert.match((answer.json as { error: { message: string } }).error.message, new RegExp(id));
      }
    });

    void it('answers paths outside the document with 404 and known paths with another method with 405, both KeyVaultErrors', async () => {
      assertKeyVaultError(await call('GET', '/secrets/anything'), 404);
      assertKeyVaultError(await call('POST', '/keys/some-key/some-version/frobnicate', { body: {} }), 404);
      // /keys/{key-name}/{key-version} and /keys/{key-name} exist, but not for POST.
      assertKeyVaultError(await call('POST', '/keys/some-key/frobnicate', { body: {} }), 405);
      assertKeyVaultError(await call('POST', '/keys/some-key', { body: {} }), 405);
      assertKeyVaultError(await call('DELETE', '/keys/some-key/create'), 405);
    });
  });

  void describe('authentication (OAuth2 bearer, challenge as the Key Vault SDKs parse it)', () => {
    const assertChallenge = (answer: Answer): void => {
      assertKeyVaultError(answer, 401, 'Unauthorized');
      const header = answer.headers['www-authenticate'];
      assert.equal(typeof header, 'string', 'a 401 carries WWW-Authenticate');
      // keyvault-common: scheme, then key="value" pairs split by /,? +/.
      assert.match(String(header), /^Bearer [a-z_]+="[^"]*"(?:,? +[a-z_]+="[^"]*")*$/i);
      const pairs = Object.fromEntries([...String(header).matchAll(/([a-z_]+)="([^"]*)"/gi)].map((m) => [m[1], m[2]]));
      const authorization = new URL(String(pairs['authorization']));
      assert.equal(authorization.protocol, 'https:');
      assert.match(authorization.pathname, /^\/[^/]+$/, 'the authorization URI names the tenant as its path');
      // The SDK asks for `resource + "/.default"` (or `scope`); that is the document's OAuth2 scope.
      const scope = pairs['resource'] ? `${pairs['resource']}/.default` : pairs['scope'];
      assert.equal(scope, SPEC.oauthScope);
    };

    void it('answers the SDK probe (no token, no body) with 401 and the challenge before validating anything', async () => {
      assertChallenge(await call('POST', expand(OPERATIONS['CreateKey'].path, { name: 'probe' }), { token: null }));
      assertChallenge(await call('POST', expand(OPERATIONS['CreateKey'].path, { name: 'bad_name!' }), { token: null, query: {} }));
    });

    void it('answers a wrong token with the same challenge', async () => {
      assertChallenge(await call('GET', expand(OPERATIONS['GetKey'].path, { name: 'probe', version: '' }), { token: 'not-the-token' }));
    });
  });

  void describe('api-version (query, required, minLength 1)', () => {
    void it('refuses a request without it, or with it empty, with 400 BadParameter', async () => {
      const name = freshName();
      assertKeyVaultError(await call('POST', expand(OPERATIONS['CreateKey'].path, { name }), { body: { kty: 'RSA' }, query: {} }), 400, 'BadParameter');
      assertKeyVaultError(await call('POST', expand(OPERATIONS['CreateKey'].path, { name }), { body: { kty: 'RSA' }, query: { 'api-version': '' } }), 400, 'BadParameter');
    });
  });

  void describe('CreateKey: POST /keys/{key-name}/create, KeyCreateParameters → KeyBundle', () => {
    void it('creates an RSA key with the requested size, key_ops, attributes and tags', async () => {
      const name = freshName();
      const bundle = await invoke('CreateKey', { name }, { kty: 'RSA', key_size: 3072, key_ops: ['wrapKey', 'unwrapKey'], attributes: { enabled: true }, tags: { purpose: 'conformance' } });
      const { jwk } = assertRsaBundle(bundle, name);
      assert.equal(jwk.kty, 'RSA');
      assert.deepEqual(jwk.key_ops, ['wrapKey', 'unwrapKey']);
      assert.equal(Buffer.from(jwk.n, 'base64url').length, 3072 / 8, 'n is the 3072-bit modulus, base64url');
      assert.deepEqual(Buffer.from(jwk.e, 'base64url'), Buffer.from([1, 0, 1]), 'e is 65537, base64url');
      assert.deepEqual(bundle['tags'], { purpose: 'conformance' });
      assert.equal((bundle['attributes'] as Record<string, unknown>)['enabled'], true);
    });

    void it('honours kty RSA-HSM, public_exponent and the default key_ops', async () => {
      const name = freshName();
      const { jwk } = assertRsaBundle(await invoke('CreateKey', { name }, { kty: 'RSA-HSM', public_exponent: 3 }), name);
      assert.equal(jwk.kty, 'RSA-HSM');
      assert.deepEqual(Buffer.from(jwk.e, 'base64url'), Buffer.from([3]));
      assert.ok(jwk.key_ops.includes('wrapKey') && jwk.key_ops.includes('unwrapKey'), jwk.key_ops.join());
    });

    void it('makes a new version each time, as the document says for an existing name', async () => {
      const name = freshName();
      const first = await createRsa(name);
      const second = await createRsa(name);
      assert.notEqual(first.version, second.version);
    });

    void it('refuses bodies that break the schema with 400 BadParameter', async () => {
      const path = expand(OPERATIONS['CreateKey'].path, { name: freshName() });
      const refusals: unknown[] = [
        undefined, // the body parameter is required
        {}, // kty is required
        { kty: 'DSA' }, // not a JsonWebKeyType
        { kty: 'RSA', key_ops: ['wrapKey', 'frobnicate'] }, // not a JsonWebKeyOperation
        { kty: 'RSA', key_ops: 'wrapKey' }, // an array
        { kty: 'RSA', key_size: '2048' }, // an integer
        { kty: 'RSA', tags: { n: 1 } }, // string values
        { kty: 'RSA', attributes: { enabled: 'yes' } }, // a boolean
        { kty: 'RSA', attributes: { exportable: true } }, // "Release policy must be provided when creating the first version of an exportable key."
      ];
      for (const body of refusals) assertKeyVaultError(await call('POST', path, { body }), 400, 'BadParameter');
      assertKeyVaultError(await call('POST', path, { rawBody: '[1,2]' }), 400, 'BadParameter');
      assertKeyVaultError(await call('POST', path, { rawBody: '{"kty":' }), 400, 'BadParameter');
    });

    void it(`refuses a key-name outside ${SPEC.keyNamePattern.source} with 400 BadParameter`, async () => {
      for (const name of ['under_score', 'dot.ted', 'sp ace']) {
        assert.ok(!SPEC.keyNamePattern.test(name));
        assertKeyVaultError(await call('POST', expand(OPERATIONS['CreateKey'].path, { name }), { body: { kty: 'RSA' } }), 400, 'BadParameter');
      }
    });
  });

  void describe('GetKey: GET /keys/{key-name}/{key-version} → KeyBundle', () => {
    void it('returns a given version, and the latest one when the version is empty or left out', async () => {
      const name = freshName();
      const first = await createRsa(name);
      const second = await createRsa(name);
      assert.equal(assertRsaBundle(await invoke('GetKey', { name, version: first.version }), name).jwk.kid, first.jwk.kid);
      assert.equal(assertRsaBundle(await invoke('GetKey', { name, version: '' }), name).jwk.kid, second.jwk.kid);
      const bare = await call('GET', `/keys/${name}`);
      assert.equal(bare.status, 200);
      assertSchema('KeyBundle', bare.json);
      assert.equal((bare.json as { key: Jwk }).key.kid, second.jwk.kid);
    });

    void it('answers an unknown key or version with 404 KeyNotFound', async () => {
      assertKeyVaultError(await call('GET', expand(OPERATIONS['GetKey'].path, { name: 'no-such-key', version: '' })), 404, 'KeyNotFound');
      const name = freshName();
      await createRsa(name);
      assertKeyVaultError(await call('GET', expand(OPERATIONS['GetKey'].path, { name, version: '0'.repeat(32) })), 404, 'KeyNotFound');
    });
  });

  void describe('RotateKey: POST /keys/{key-name}/rotate → KeyBundle', () => {
    void it('creates a new version like the latest one, which GetKey then returns', async () => {
      const name = freshName();
      const before = await createRsa(name, { key_size: 3072, key_ops: ['wrapKey', 'unwrapKey'] });
      const rotated = assertRsaBundle(await invoke('RotateKey', { name }), name);
      assert.notEqual(rotated.version, before.version);
      assert.equal(rotated.jwk.kty, before.jwk.kty);
      assert.deepEqual(rotated.jwk.key_ops, before.jwk.key_ops);
      assert.equal(Buffer.from(rotated.jwk.n, 'base64url').length, 3072 / 8);
      assert.equal(assertRsaBundle(await invoke('GetKey', { name, version: '' }), name).version, rotated.version);
      assert.equal(assertRsaBundle(await invoke('GetKey', { name, version: before.version }), name).version, before.version);
    });

    void it('answers an unknown key with 404 KeyNotFound and a bad key-name with 400', async () => {
      assertKeyVaultError(await call('POST', expand(OPERATIONS['RotateKey'].path, { name: 'no-such-key' })), 404, 'KeyNotFound');
      assertKeyVaultError(await call('POST', expand(OPERATIONS['RotateKey'].path, { name: 'bad_name' })), 400, 'BadParameter');
    });
  });

  void describe('wrapKey / unwrapKey / encrypt / decrypt: KeyOperationsParameters → KeyOperationResult', () => {
    const pairs = [
      ['wrapKey', 'unwrapKey'],
      ['encrypt', 'decrypt'],
    ] as const;
    for (const [forward, backward] of pairs) {
      for (const alg of Object.keys(RSA_ALGORITHMS) as (keyof typeof RSA_ALGORITHMS)[]) {
        void it(`${forward} and ${backward} with ${alg} round-trip, and ${backward} opens what the JWK's public key sealed`, async () => {
          const name = freshName();
          const { jwk, version, publicKey } = await createRsa(name);
          const secret = randomBytes(32);
          const sealed = await invoke(forward, { name, version }, { alg, value: secret.toString('base64url') });
          assert.equal(sealed['kid'], jwk.kid, 'KeyOperationResult.kid is the versioned key identifier');
          assert.equal(Buffer.from(String(sealed['value']), 'base64url').length, 256, 'one RSA block');
          const opened = await invoke(backward, { name, version }, { alg, value: sealed['value'] });
          assert.equal(opened['kid'], jwk.kid);
          assert.deepEqual(Buffer.from(String(opened['value']), 'base64url'), secret);
          // The algorithm means what the document says (hash and padding): sealed locally, opened by the vault.
          const local = publicEncrypt({ key: publicKey, ...RSA_ALGORITHMS[alg] }, secret);
          const fromLocal = await invoke(backward, { name, version }, { alg, value: local.toString('base64url') });
          assert.deepEqual(Buffer.from(String(fromLocal['value']), 'base64url'), secret);
        });
      }
    }

    void it('with an empty key-version uses the latest version and names it in kid', async () => {
      const name = freshName();
      await createRsa(name);
      const latest = await createRsa(name);
      const sealed = await invoke('wrapKey', { name, version: '' }, { alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64url') });
      assert.equal(sealed['kid'], latest.jwk.kid);
    });

    void it('refuses parameters that break KeyOperationsParameters with 400 BadParameter', async () => {
      const name = freshName();
      const { version } = await createRsa(name);
      const path = expand(OPERATIONS['wrapKey'].path, { name, version });
      const value = randomBytes(32).toString('base64url');
      const refusals: unknown[] = [
        undefined, // required body
        { value }, // alg is required
        { alg: 'RSA-OAEP-256' }, // value is required
        { alg: 'RSA-OAEP-512', value }, // not a JsonWebKeyEncryptionAlgorithm
        { alg: 'A256GCM', value }, // a JsonWebKeyEncryptionAlgorithm, but not for an RSA key
        { alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64') + '+/=' }, // base64, not base64url
        { alg: 'RSA-OAEP-256', value: 42 }, // a string
      ];
      for (const body of refusals) assertKeyVaultError(await call('POST', path, { body }), 400, 'BadParameter');
      assertKeyVaultError(await call('POST', expand(OPERATIONS['unwrapKey'].path, { name, version }), { body: { alg: 'RSA-OAEP-256', value: randomBytes(256).toString('base64url') } }), 400, 'BadParameter');
    });

    void it('answers an unknown key or version with 404 KeyNotFound', async () => {
      const body = { alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64url') };
      assertKeyVaultError(await call('POST', expand(OPERATIONS['wrapKey'].path, { name: 'no-such-key', version: '0'.repeat(32) }), { body }), 404, 'KeyNotFound');
      const name = freshName();
      await createRsa(name);
      assertKeyVaultError(await call('POST', expand(OPERATIONS['unwrapKey'].path, { name, version: 'f'.repeat(32) }), { body }), 404, 'KeyNotFound');
    });

    void it('refuses an operation the key_ops do not allow, and any operation on a disabled key, with 403 Forbidden', async () => {
      const wrapOnly = freshName();
      const { version } = await createRsa(wrapOnly, { key_ops: ['wrapKey', 'unwrapKey'] });
      const body = { alg: 'RSA-OAEP-256', value: randomBytes(32).toString('base64url') };
      assertKeyVaultError(await call('POST', expand(OPERATIONS['encrypt'].path, { name: wrapOnly, version }), { body }), 403, 'Forbidden');
      const disabled = freshName();
      const created = await createRsa(disabled, { attributes: { enabled: false } });
      assert.equal(((await invoke('GetKey', { name: disabled, version: '' }))['attributes'] as Record<string, unknown>)['enabled'], false);
      assertKeyVaultError(await call('POST', expand(OPERATIONS['wrapKey'].path, { name: disabled, version: created.version }), { body }), 403, 'Forbidden');
    });
  });
});
