import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { after, before, test } from 'node:test';
import type { Suite } from '@stackyard/shared-launcher';
import { ORG, rawApi, startEmbedded } from './support/harness';
import { fakeDeployment, RawApi, type RawResponse } from './support/raw-api';

/**
 * Malformed, unauthorised and out-of-order requests straight over HTTPS: every one must be the
 * right 4xx (never a 5xx) in the CLI's error shape (pulumi-protocol.md §1.3), and none may change
 * the stored state of the seeded stack (export bytes, version, tags, history).
 */

const PROJECT = 'robust';
const SEEDED = `/api/stacks/${ORG}/${PROJECT}/seeded`;
const SCRATCH = `/api/stacks/${ORG}/${PROJECT}/scratch`;
const MALLORYS = `/api/stacks/mallory/${PROJECT}/private`;
const SMALL_LIMIT_JSON = 4096;
const SMALL_LIMIT_STATE = 8192;
const SHORT_LEASE_SECONDS = 2;

interface Started {
  id: string;
  token: string;
  version: number;
  tokenExpiration: number;
}

interface Case {
  name: string;
  /** `small`: the second suite (short lease, small body limits). */
  target?: 'main' | 'small';
  method: string;
  /** A function is resolved just before the request (after `setup`). */
  path: string | (() => string);
  /** Full Authorization header; undefined = the admin's access token, null = none. */
  auth?: string | null | (() => string);
  /** Runs right before this case (e.g. to start an update whose short lease must still be alive). */
  setup?: () => Promise<void>;
  body?: unknown;
  gzip?: boolean;
  headers?: Record<string, string>;
  status: number;
  /** Exact message, or a pattern it must match (beyond the status-text prefix every case checks). */
  message?: string | RegExp;
}

let main: Suite;
let small: Suite;

before(async () => {
  [main, small] = await Promise.all([
    startEmbedded(),
    startEmbedded({
      leaseSeconds: SHORT_LEASE_SECONDS,
      serviceEnv: { api: { STACKYARD_MAX_JSON_BYTES: String(SMALL_LIMIT_JSON), STACKYARD_MAX_STATE_BYTES: String(SMALL_LIMIT_STATE) } },
    }),
  ]);
});

after(async () => {
  await Promise.allSettled([main?.stop(), small?.stop()]);
});

async function startUpdate(api: RawApi, stackPath: string, kind: 'update' | 'preview', dryRun: boolean): Promise<Started> {
  const { updateID } = await api.ok<{ updateID: string }>('POST', `${stackPath}/${kind}`, { body: { options: { dryRun }, config: {}, metadata: { message: 'robustness' } } });
  const started = await api.ok<{ version: number; token: string; tokenExpiration: number }>('POST', `${stackPath}/update/${updateID}`, { body: {} });
  return { id: updateID, ...started };
}

interface Snapshot {
  exportText: string;
  exportVersion1: string;
  version: number;
  tags: unknown;
  history: unknown;
}

async function snapshot(api: RawApi): Promise<Snapshot> {
  const exported = await api.call('GET', `${SEEDED}/export`);
  assert.equal(exported.status, 200, exported.text);
  const v1 = await api.call('GET', `${SEEDED}/export/1`);
  assert.equal(v1.status, 200, v1.text);
  const stack = await api.ok<{ version: number; tags: unknown }>('GET', SEEDED);
  const history = await api.ok<unknown>('GET', `${SEEDED}/updates?page=1&pageSize=100`);
  return { exportText: exported.text, exportVersion1: v1.text, version: stack.version, tags: stack.tags, history };
}

/** `count` events with the given override applied to each. */
function events(count: number, override: (i: number) => Record<string, unknown> = () => ({})): { events: unknown[] } {
  return { events: Array.from({ length: count }, (_, i) => ({ sequence: i, timestamp: 1_700_000_000, stdoutEvent: { message: 'x', color: 'never' }, ...override(i) })) };
}

/** `{"a":{"a":…1…}}` nested `depth` levels. */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** One character changed in the middle of a base64 string (still valid base64, different bytes). */
function tamper(b64: string): string {
  const i = Math.floor(b64.length / 2);
  const c = b64[i] === 'A' ? 'B' : 'A';
  return `${b64.slice(0, i)}${c}${b64.slice(i + 1)}`;
}

test('at least 40 bad requests are each answered with the right 4xx in the CLI error shape, and change nothing', { timeout: 180_000 }, async () => {
  const api = rawApi(main);
  const smallApi = rawApi(small);

  // --- Seed: a stack with state (an import of 3 resources), tags, a running update, a scratch stack.
  await api.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: 'seeded', tags: { owner: 'robustness', 'pulumi:project': PROJECT } } });
  await api.ok('POST', `${SEEDED}/import`, { body: fakeDeployment('seeded', PROJECT, 3), gzip: true });
  const { ciphertext } = await api.ok<{ ciphertext: string }>('POST', `${SEEDED}/encrypt`, { body: { plaintext: Buffer.from('top secret').toString('base64') } });
  const { plaintext } = await api.ok<{ plaintext: string }>('POST', `${SEEDED}/decrypt`, { body: { ciphertext } });
  assert.equal(Buffer.from(plaintext, 'base64').toString(), 'top secret', 'the seeded stack can decrypt its own ciphertext');

  await api.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: 'scratch' } });
  const finished = await startUpdate(api, SCRATCH, 'update', false);
  await api.ok('PATCH', `${SCRATCH}/update/${finished.id}/checkpoint`, { authorization: `update-token ${finished.token}`, body: { version: 3, deployment: fakeDeployment('scratch', PROJECT, 1)['deployment'] } });
  await api.ok('POST', `${SCRATCH}/update/${finished.id}/complete`, { authorization: `update-token ${finished.token}`, body: { status: 'succeeded' } });

  // The seeded stack's running update (it holds the lock), a preview and an update never started.
  const running = await startUpdate(api, SEEDED, 'update', false);
  const preview = await startUpdate(api, SEEDED, 'preview', true);
  const { updateID: notStarted } = await api.ok<{ updateID: string }>('POST', `${SEEDED}/update`, { body: { options: { dryRun: false } } });
  const { updateID: blocked } = await api.ok<{ updateID: string }>('POST', `${SEEDED}/update`, { body: { options: { dryRun: false } } });

  // Another user's own stack (her login is its owner; the admin is not a member of "mallory"),
  // and a token that was revoked before its first use.
  const mallory = await main.mintToken('mallory', 'robustness');
  const malloryApi = new RawApi(main.apiUrl, readFileSync(main.caFile), mallory.token);
  await malloryApi.ok('POST', `/api/stacks/mallory/${PROJECT}`, { body: { stackName: 'private', tags: { owner: 'mallory' } } });
  const revoked = await main.mintToken('admin', 'robustness-revoked');
  await main.revokeToken(revoked.id);

  // The short-lease suite: an update whose lease runs out while the main table is prepared.
  const smallStack = `/api/stacks/${ORG}/${PROJECT}/expiring`;
  await smallApi.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: 'expiring' } });
  const expiring = await startUpdate(smallApi, smallStack, 'update', false);
  const bigStack = `/api/stacks/${ORG}/${PROJECT}/big`;
  await smallApi.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: 'big' } });
  let live: Started | undefined;

  const before = await snapshot(api);
  const seededState = JSON.parse(before.exportText) as { deployment: { resources: unknown[] } };
  assert.equal(seededState.deployment.resources.length, 4, 'the seeded stack has its imported resources');

  const up = (token: string) => `update-token ${token}`;
  const U = `${SEEDED}/update/${running.id}`;
  const goodCheckpoint = { version: 3, deployment: fakeDeployment('seeded', PROJECT, 1)['deployment'] };
  const longName = 'x'.repeat(101);
  const manyTags = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`tag${i}`, 'v']));

  const cases: Case[] = [
    // Malformed bodies and encodings.
    { name: 'malformed JSON: create stack', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: '{"stackName":', status: 400, message: /not valid JSON/ },
    { name: 'malformed JSON: tags', method: 'PATCH', path: `${SEEDED}/tags`, body: '{bad', status: 400, message: /not valid JSON/ },
    { name: 'malformed JSON: create update', method: 'POST', path: `${SEEDED}/update`, body: '{"options":', status: 400 },
    { name: 'malformed JSON: encrypt', method: 'POST', path: `${SEEDED}/encrypt`, body: 'not json', status: 400 },
    { name: 'malformed JSON: events batch', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: '{"events":[', status: 400 },
    { name: 'malformed JSON: checkpoint (byte scanner)', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: '{"version":3,"deployment":{', status: 400, message: /not valid JSON/ },
    { name: 'malformed JSON: import', method: 'POST', path: `${SEEDED}/import`, body: '{"version":3,', status: 400 },
    { name: 'bad gzip: batch-decrypt', method: 'POST', path: `${SEEDED}/batch-decrypt`, headers: { 'content-encoding': 'gzip' }, body: Buffer.from('this is not gzip at all'), status: 400, message: /gzip/ },
    { name: 'bad gzip: checkpoint', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), headers: { 'content-encoding': 'gzip' }, body: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), status: 400, message: /gzip/ },
    // JSON nested deeper than anything the CLI sends (the checkpoint scanner stops at 512 levels).
    { name: 'deeply nested JSON: events batch', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: `{"events":[{"sequence":0,"timestamp":1,"stdoutEvent":${deep(20_000)}}]}`, gzip: true, status: 400 },
    { name: 'deeply nested JSON: update config', method: 'POST', path: `${SEEDED}/update`, body: `{"options":{"dryRun":true},"config":${deep(20_000)}}`, gzip: true, status: 400 },
    { name: 'deeply nested JSON: initial state of a new stack', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: `{"stackName":"deep","state":{"version":3,"deployment":{"manifest":{},"x":${deep(20_000)}}}}`, gzip: true, status: 400 },
    { name: 'deeply nested JSON: checkpoint', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: `{"version":3,"deployment":{"manifest":{},"x":${deep(20_000)}}}`, gzip: true, status: 400, message: /nesting/ },
    { name: 'gzip of malformed JSON: events batch', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: '{"events": nope', gzip: true, status: 400 },
    { name: 'unsupported Content-Encoding br: encrypt', method: 'POST', path: `${SEEDED}/encrypt`, headers: { 'content-encoding': 'br' }, body: '{}', status: 415 },
    { name: 'unsupported Content-Encoding deflate: import', method: 'POST', path: `${SEEDED}/import`, headers: { 'content-encoding': 'deflate' }, body: '{}', status: 415 },

    // Checkpoints that the CLI could not read back.
    { name: 'checkpoint: deployment schema version 0', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { ...goodCheckpoint, version: 0 }, status: 400, message: /'version'/ },
    { name: 'checkpoint: deployment schema version 5', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { ...goodCheckpoint, version: 5 }, status: 400, message: /'version'/ },
    { name: 'checkpoint: deployment schema version "3"', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { ...goodCheckpoint, version: '3' }, status: 400, message: /'version'/ },
    { name: 'checkpoint: not an object (array)', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: [goodCheckpoint], status: 400, message: /JSON object/ },
    { name: 'checkpoint: not an object (string)', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: '"checkpoint"', status: 400 },
    { name: 'checkpoint: missing deployment', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { version: 3 }, status: 400, message: /'deployment' is required/ },
    { name: 'checkpoint: deployment is an array', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { version: 3, deployment: [] }, status: 400 },
    { name: 'checkpoint: deployment without manifest', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), body: { version: 3, deployment: { resources: [] } }, status: 400, message: /manifest/ },
    { name: 'checkpoint: empty body', method: 'PATCH', path: `${U}/checkpoint`, auth: up(running.token), status: 400 },
    { name: 'checkpoint: by a preview', method: 'PATCH', path: `${SEEDED}/update/${preview.id}/checkpoint`, auth: up(preview.token), body: goodCheckpoint, status: 400, message: /preview/ },

    // Imports.
    { name: 'import: resources is an object', method: 'POST', path: `${SEEDED}/import`, body: { version: 3, deployment: { manifest: {}, resources: {} } }, status: 400, message: /resources/ },
    { name: 'import: features are not strings', method: 'POST', path: `${SEEDED}/import`, body: { version: 4, features: [1], deployment: { manifest: {} } }, status: 400, message: /features/ },
    { name: 'import: empty body', method: 'POST', path: `${SEEDED}/import`, status: 400 },
    { name: 'import: schema version 9', method: 'POST', path: `${SEEDED}/import`, body: { version: 9, deployment: { manifest: {} } }, status: 400 },

    // Names.
    { name: 'create: invalid organization name', method: 'POST', path: `/api/stacks/a!b/${PROJECT}`, body: { stackName: 'ok' }, status: 400, message: /organization name/ },
    { name: 'create: organization name too short', method: 'POST', path: `/api/stacks/ab/${PROJECT}`, body: { stackName: 'ok' }, status: 400, message: /organization name/ },
    { name: 'create: invalid project name', method: 'POST', path: `/api/stacks/${ORG}/bad%20project`, body: { stackName: 'ok' }, status: 400, message: /project name/ },
    { name: 'create: invalid stack name', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 'bad name' }, status: 400, message: /stack name/ },
    { name: 'create: stack name too long', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: longName }, status: 400, message: /cannot exceed 100/ },
    { name: 'create: stackName missing', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: {}, status: 400, message: /stackName/ },
    { name: 'create: stackName is a number', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 7 }, status: 400 },
    { name: 'create: body is an array', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: [], status: 400 },
    { name: 'create: invalid initial state', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 'withstate', state: { version: 0, deployment: {} } }, status: 400, message: /state/ },
    { name: 'get: invalid stack name', method: 'GET', path: `/api/stacks/${ORG}/${PROJECT}/bad$name`, status: 400, message: /stack name/ },
    { name: 'get: invalid organization name', method: 'GET', path: `/api/stacks/-bad-/${PROJECT}/seeded`, status: 400, message: /organization name/ },
    { name: 'get: stack name too long', method: 'GET', path: `/api/stacks/${ORG}/${PROJECT}/${longName}`, status: 400, message: /cannot exceed 100/ },
    { name: 'rename: to an invalid name', method: 'POST', path: `${SEEDED}/rename`, body: { newName: 'no/slashes' }, status: 400 },

    // Tags.
    { name: 'tags: invalid tag name', method: 'PATCH', path: `${SEEDED}/tags`, body: { 'bad tag!': 'v' }, status: 400, message: /tag name/ },
    { name: 'tags: value too long', method: 'PATCH', path: `${SEEDED}/tags`, body: { owner: 'v'.repeat(257) }, status: 400, message: /256/ },
    { name: 'tags: too many', method: 'PATCH', path: `${SEEDED}/tags`, body: manyTags, status: 400, message: /at most 100 tags/ },
    { name: 'tags: non-string value', method: 'PATCH', path: `${SEEDED}/tags`, body: { owner: 1 }, status: 400 },
    { name: 'tags: not an object', method: 'PATCH', path: `${SEEDED}/tags`, body: ['owner'], status: 400 },
    { name: 'create: invalid tags', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 'tagged', tags: { 'no spaces': 'v' } }, status: 400, message: /tag name/ },
    { name: 'start: invalid tags', method: 'POST', path: `${SEEDED}/update/${notStarted}`, body: { tags: { ['t'.repeat(41)]: 'v' } }, status: 400, message: /tag name/ },
    { name: 'list: invalid tagName filter', method: 'GET', path: '/api/user/stacks?tagName=bad%20tag', status: 400 },
    { name: 'list: invalid continuation token', method: 'GET', path: '/api/user/stacks?continuationToken=garbage', status: 400 },

    // Credentials.
    { name: 'auth: missing token', method: 'GET', path: SEEDED, auth: null, status: 401 },
    { name: 'auth: unknown token', method: 'GET', path: SEEDED, auth: `token pul-${'0'.repeat(40)}`, status: 401 },
    { name: 'auth: malformed Authorization (Bearer)', method: 'GET', path: SEEDED, auth: 'Bearer abc', status: 401 },
    { name: 'auth: malformed Authorization (scheme only)', method: 'GET', path: SEEDED, auth: 'token', status: 401 },
    { name: 'auth: revoked token', method: 'GET', path: SEEDED, auth: `token ${revoked.token}`, status: 401 },
    { name: 'auth: update token on a user route', method: 'GET', path: SEEDED, auth: up(running.token), status: 401 },
    { name: 'auth: update token on import', method: 'POST', path: `${SEEDED}/import`, auth: up(running.token), body: fakeDeployment('seeded', PROJECT, 0), status: 401 },
    { name: 'auth: access token on renew_lease', method: 'POST', path: `${U}/renew_lease`, body: { duration: 60 }, status: 401 },
    { name: 'auth: access token on checkpoint', method: 'PATCH', path: `${U}/checkpoint`, body: goodCheckpoint, status: 401 },
    { name: 'auth: update token of another update (not started)', method: 'POST', path: `${SEEDED}/update/${notStarted}/renew_lease`, auth: up(running.token), body: { duration: 60 }, status: 403 },
    { name: 'auth: update token of another update (checkpoint)', method: 'PATCH', path: `${U}/checkpoint`, auth: up(finished.token), body: goodCheckpoint, status: 403 },
    { name: 'auth: update token of another stack', method: 'PATCH', path: `${SCRATCH}/update/${finished.id}/checkpoint`, auth: up(running.token), body: goodCheckpoint, status: 403 },
    { name: 'auth: garbage update token', method: 'POST', path: `${U}/events/batch`, auth: 'update-token garbage', body: events(1), status: 403 },
    { name: 'auth: update token for a completed update (checkpoint)', method: 'PATCH', path: `${SCRATCH}/update/${finished.id}/checkpoint`, auth: up(finished.token), body: goodCheckpoint, status: 409, message: /already completed/ },
    { name: 'auth: update token for a completed update (renew_lease)', method: 'POST', path: `${SCRATCH}/update/${finished.id}/renew_lease`, auth: up(finished.token), body: { duration: 60 }, status: 409 },
    { name: 'auth: expired lease (checkpoint)', target: 'small', method: 'PATCH', path: `${smallStack}/update/${expiring.id}/checkpoint`, auth: up(expiring.token), body: goodCheckpoint, status: 403, message: /expired/ },
    { name: 'auth: expired lease (renew_lease)', target: 'small', method: 'POST', path: `${smallStack}/update/${expiring.id}/renew_lease`, auth: up(expiring.token), body: { duration: 60 }, status: 403, message: /expired/ },
    { name: 'auth: update token on an unknown update', method: 'POST', path: `${SEEDED}/update/00000000-0000-4000-8000-000000000000/complete`, auth: up(running.token), body: { status: 'succeeded' }, status: 404 },

    // Update lifecycle.
    { name: 'events: not an array', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: { events: {} }, status: 400 },
    { name: 'events: negative sequence', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: events(2, (i) => ({ sequence: i - 1 })), status: 400, message: /sequence/ },
    { name: 'events: fractional sequence', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: events(1, () => ({ sequence: 1.5 })), status: 400, message: /sequence/ },
    { name: 'events: timestamp is a string', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: events(1, () => ({ timestamp: 'now' })), status: 400, message: /timestamp/ },
    { name: 'events: two payloads', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: events(1, () => ({ diagnosticEvent: { message: 'y' } })), status: 400, message: /exactly one/ },
    { name: 'events: no payload', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: { events: [{ sequence: 0, timestamp: 1 }] }, status: 400, message: /exactly one/ },
    { name: 'events: more than 1000 in a batch', method: 'POST', path: `${U}/events/batch`, auth: up(running.token), body: events(1001), gzip: true, status: 400 },
    { name: 'complete: unknown status', method: 'POST', path: `${U}/complete`, auth: up(running.token), body: { status: 'done' }, status: 400, message: /status/ },
    { name: 'complete: no status', method: 'POST', path: `${U}/complete`, auth: up(running.token), body: {}, status: 400 },
    { name: 'complete: body is an array', method: 'POST', path: `${U}/complete`, auth: up(running.token), body: ['succeeded'], status: 400 },
    { name: 'renew_lease: duration 0', method: 'POST', path: `${U}/renew_lease`, auth: up(running.token), body: { duration: 0 }, status: 400, message: /duration/ },
    { name: 'renew_lease: duration is a string', method: 'POST', path: `${U}/renew_lease`, auth: up(running.token), body: { duration: '300' }, status: 400, message: /duration/ },
    { name: 'renew_lease: fractional duration', method: 'POST', path: `${U}/renew_lease`, auth: up(running.token), body: { duration: 1.5 }, status: 400 },
    { name: 'renew_lease: more than a day', method: 'POST', path: `${U}/renew_lease`, auth: up(running.token), body: { duration: 86_401 }, status: 400 },
    { name: 'start: update already started', method: 'POST', path: U, body: {}, status: 409, message: /already been started/ },
    { name: 'start: while another update holds the stack', method: 'POST', path: `${SEEDED}/update/${blocked}`, body: {}, status: 409, message: 'Conflict: Another update is currently in progress.' },
    { name: 'start: unknown update', method: 'POST', path: `${SEEDED}/update/00000000-0000-4000-8000-000000000000`, body: {}, status: 404 },
    { name: 'create update: options.dryRun is a string', method: 'POST', path: `${SEEDED}/update`, body: { options: { dryRun: 'yes' } }, status: 400 },
    { name: 'cancel: completed update', method: 'POST', path: `${SCRATCH}/update/${finished.id}/cancel`, status: 409, message: 'Conflict: The Update has already completed' },
    { name: 'cancel: unknown update', method: 'POST', path: `${SEEDED}/update/00000000-0000-4000-8000-000000000000/cancel`, status: 404 },
    { name: 'events list: bad continuation token', method: 'GET', path: `${U}/events?continuationToken=%%%`, status: 400 },

    // Secrets.
    { name: 'encrypt: plaintext is not base64', method: 'POST', path: `${SEEDED}/encrypt`, body: { plaintext: 'not base64!' }, status: 400, message: /base64/ },
    { name: 'encrypt: plaintext is a number', method: 'POST', path: `${SEEDED}/encrypt`, body: { plaintext: 42 }, status: 400 },
    { name: 'decrypt: garbage ciphertext (relayed from secrets)', method: 'POST', path: `${SEEDED}/decrypt`, body: { ciphertext: Buffer.from('garbage that is not a ciphertext').toString('base64') }, status: 400 },
    { name: 'decrypt: tampered ciphertext (relayed from secrets)', method: 'POST', path: `${SEEDED}/decrypt`, body: { ciphertext: tamper(ciphertext) }, status: 400 },
    { name: 'decrypt: ciphertext is not base64', method: 'POST', path: `${SEEDED}/decrypt`, body: { ciphertext: '***' }, status: 400, message: /base64/ },
    { name: 'decrypt: ciphertext of another stack', method: 'POST', path: `${SCRATCH}/decrypt`, body: { ciphertext }, status: 400 },
    { name: 'batch-decrypt: ciphertexts is not an array', method: 'POST', path: `${SEEDED}/batch-decrypt`, body: { ciphertexts: ciphertext }, status: 400, message: /array/ },
    { name: 'batch-decrypt: one tampered among good ones', method: 'POST', path: `${SEEDED}/batch-decrypt`, body: { ciphertexts: [ciphertext, tamper(ciphertext)] }, gzip: true, status: 400 },
    { name: 'batch-encrypt: plaintexts is not an array', method: 'POST', path: `${SEEDED}/batch-encrypt`, body: { plaintexts: 'abc=' }, status: 400, message: /array/ },

    // Exports and history.
    { name: 'export: nonexistent version', method: 'GET', path: `${SEEDED}/export/99`, status: 404 },
    { name: 'export: non-numeric version', method: 'GET', path: `${SEEDED}/export/latest`, status: 400, message: /version/ },
    { name: 'export: version 0', method: 'GET', path: `${SEEDED}/export/0`, status: 400 },
    { name: 'export: negative version', method: 'GET', path: `${SEEDED}/export/-1`, status: 400 },
    { name: 'history: page 0', method: 'GET', path: `${SEEDED}/updates?page=0`, status: 400, message: /page/ },
    { name: 'history: pageSize not a number', method: 'GET', path: `${SEEDED}/updates?pageSize=ten`, status: 400, message: /pageSize/ },
    { name: 'history: negative page', method: 'GET', path: `${SEEDED}/updates?page=-2&pageSize=5`, status: 400 },

    // Limits (the second suite has tiny limits).
    { name: 'oversized JSON body', target: 'small', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 'big', tags: { owner: 'x'.repeat(SMALL_LIMIT_JSON) } }, status: 413 },
    { name: 'oversized JSON body once inflated (gzip bomb)', target: 'small', method: 'POST', path: `${smallStack}/encrypt`, body: JSON.stringify({ plaintext: 'A'.repeat(SMALL_LIMIT_JSON * 64) }), gzip: true, status: 413 },
    {
      name: 'oversized checkpoint',
      target: 'small',
      // A live update (the short lease has just begun): the size limit, not the lease, refuses it.
      setup: async () => {
        live = await startUpdate(smallApi, bigStack, 'update', false);
      },
      method: 'PATCH',
      path: () => `${bigStack}/update/${live!.id}/checkpoint`,
      auth: () => up(live!.token),
      body: fakeDeployment('big', PROJECT, 100),
      status: 413,
    },
    {
      name: 'oversized checkpoint once inflated (gzip bomb)',
      target: 'small',
      method: 'PATCH',
      path: () => `${bigStack}/update/${live!.id}/checkpoint`,
      auth: () => up(live!.token),
      body: JSON.stringify({ version: 3, deployment: { manifest: {}, padding: ' '.repeat(SMALL_LIMIT_STATE * 64) } }),
      gzip: true,
      status: 413,
    },
    { name: 'oversized import', target: 'small', method: 'POST', path: `${smallStack}/import`, body: fakeDeployment('expiring', PROJECT, 100), gzip: true, status: 413 },

    // Stacks.
    { name: 'create: duplicate stack', method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, body: { stackName: 'seeded' }, status: 409, message: /already exists/ },
    { name: 'rename: onto an existing stack', method: 'POST', path: `${SEEDED}/rename`, body: { newName: 'scratch' }, status: 409, message: /already exists/ },
    { name: 'delete: non-empty stack without force', method: 'DELETE', path: SEEDED, status: 400, message: 'Bad Request: Stack still contains resources.' },
    { name: 'delete: force is not a boolean', method: 'DELETE', path: `${SEEDED}?force=maybe`, status: 400 },
    { name: 'unknown route', method: 'GET', path: '/api/no/such/route', status: 404 },
    { name: 'unknown method on a stack', method: 'PUT', path: SEEDED, body: {}, status: 404 },
    { name: 'stack of an organization the user is not in', method: 'GET', path: MALLORYS, status: 404 },
    { name: 'export of an organization the user is not in', method: 'GET', path: `${MALLORYS}/export`, status: 404 },
    { name: 'tags of an organization the user is not in', method: 'PATCH', path: `${MALLORYS}/tags`, body: { owner: 'admin' }, status: 404 },
    { name: 'delete in an organization the user is not in', method: 'DELETE', path: `${MALLORYS}?force=true`, status: 404 },
    { name: 'create in an organization the user is not in', method: 'POST', path: `/api/stacks/mallory/${PROJECT}`, body: { stackName: 'intruder' }, status: 404 },
    { name: 'stack of an unknown organization', method: 'GET', path: `/api/stacks/nobodys-org/${PROJECT}/seeded`, status: 404 },
  ];
  assert.ok(cases.length >= 40, `the table has ${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');

  // The expired-lease cases need the short lease to be over.
  const expiredAt = expiring.tokenExpiration * 1000 + 1_000;
  if (Date.now() < expiredAt) await new Promise((r) => setTimeout(r, expiredAt - Date.now()));

  const failures: string[] = [];
  for (const c of cases) {
    const target = c.target === 'small' ? smallApi : api;
    let res: RawResponse;
    try {
      await c.setup?.();
      const path = typeof c.path === 'function' ? c.path() : c.path;
      const authorization = typeof c.auth === 'function' ? c.auth() : c.auth;
      res = await target.call(c.method, path, { authorization, body: c.body, gzip: c.gzip, headers: c.headers });
    } catch (error) {
      failures.push(`${c.name}: request failed: ${(error as Error).message}`);
      continue;
    }
    const problem = checkError(c, res);
    if (problem) failures.push(`${c.name}: ${problem}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} bad requests were not answered as expected:\n${failures.join('\n')}`);

  // Nothing above may have touched the seeded stack.
  const afterwards = await snapshot(api);
  assert.equal(afterwards.exportText, before.exportText, 'export bytes unchanged');
  assert.equal(afterwards.exportVersion1, before.exportVersion1, 'export of version 1 unchanged');
  assert.equal(afterwards.version, before.version, 'stack version unchanged');
  assert.deepEqual(afterwards.tags, before.tags, 'tags unchanged');
  assert.deepEqual(afterwards.history, before.history, 'history unchanged');
  const hers = await malloryApi.ok<{ tags: Record<string, string> }>('GET', MALLORYS);
  assert.deepEqual(hers.tags, { owner: 'mallory' }, "the other user's stack is untouched");
  // And the running update still works: its lease survived every bad call.
  await api.ok('POST', `${U}/renew_lease`, { authorization: up(running.token), body: { duration: 60 } });
  console.log(`[bad-requests] ${cases.length} cases checked`);
});

function checkError(c: Case, res: RawResponse): string | undefined {
  if (res.status >= 500) return `server error ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status !== c.status) return `expected ${c.status}, got ${res.status}: ${res.text.slice(0, 300)}`;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `content-type is ${String(res.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `body is not JSON: ${res.text.slice(0, 200)}`;
  }
  if (body === null || typeof body !== 'object') return `body is not an object: ${res.text.slice(0, 200)}`;
  const { code, message } = body as { code?: unknown; message?: unknown };
  if (code !== res.status) return `code ${String(code)} differs from status ${res.status}`;
  if (typeof message !== 'string') return 'message is not a string';
  const prefix = `${STATUS_CODES[res.status]}: `;
  if (!message.startsWith(prefix)) return `message does not start with "${prefix}": ${message}`;
  if (typeof c.message === 'string' && message !== c.message) return `message is "${message}", expected "${c.message}"`;
  if (c.message instanceof RegExp && !c.message.test(message)) return `message "${message}" does not match ${String(c.message)}`;
  return undefined;
}
