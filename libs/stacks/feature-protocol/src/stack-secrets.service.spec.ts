import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '@stackyard/shared-contracts';
import type { StackEntity } from '@stackyard/stacks-data-access';
import type { AuditRecorder } from './audit-recorder';
import type { SecretsGateway } from './secrets.client';
import { StackSecretsService } from './stack-secrets.service';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const stack = { id: 'stack-id-1', orgName: 'acme', projectName: 'web', stackName: 'prod' } as StackEntity;

/** The secrets service reduced to "ciphertext = base64 of 'enc:' + plaintext", failing on demand. */
function setup(options: { failDecrypt?: boolean } = {}) {
  const gateway = {
    encrypt: (_id: string, plaintexts: string[]) => Promise.resolve(plaintexts.map((p) => b64(`enc:${Buffer.from(p, 'base64').toString()}`))),
    decrypt: (_id: string, ciphertexts: string[]) =>
      options.failDecrypt ? Promise.reject(new Error('refused')) : Promise.resolve(ciphertexts.map((c) => b64(Buffer.from(c, 'base64').toString().slice(4)))),
  };
  const lines: string[] = [];
  const events: AuditEventInput[] = [];
  // The recorder's part here: the stored event and the detailed log line it is given.
  const recorder = {
    recordEvent: (event: AuditEventInput, line?: Record<string, unknown>) => {
      events.push(event);
      lines.push(JSON.stringify(line ?? event));
    },
  };
  const sut = new StackSecretsService(gateway as unknown as SecretsGateway, recorder as unknown as AuditRecorder);
  return { sut, lines, events };
}

void describe(StackSecretsService.name, () => {
  void it('writes an audit line for every decrypt and batch-decrypt: actor, stack, count — never a value', async () => {
    const { sut, lines, events: recorded } = setup();
    const { ciphertext } = await sut.encrypt(stack, { plaintext: b64('hunter2') });
    assert.equal(lines.length, 0, 'encrypting is not audited');
    assert.equal(Buffer.from((await sut.decrypt(stack, { ciphertext }, 'alice', 'req-1')).plaintext, 'base64').toString(), 'hunter2');
    const { ciphertexts } = await sut.batchEncrypt(stack, { plaintexts: [b64('one'), b64('two')] });
    await sut.batchDecrypt(stack, { ciphertexts: [...ciphertexts, ciphertexts[0]] }, 'update:u-42');
    await sut.batchDecrypt(stack, { ciphertexts: [] }, 'bob');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(events, [
      { event: 'stack.secrets.decrypt', actor: 'alice', stack: 'acme/web/prod', stackId: 'stack-id-1', values: 1, requestId: 'req-1' },
      { event: 'stack.secrets.decrypt', actor: 'update:u-42', stack: 'acme/web/prod', stackId: 'stack-id-1', values: 2, requestId: null },
    ]);
    for (const line of lines) for (const secret of ['hunter2', 'one', 'two', ciphertext]) assert.ok(!line.includes(secret), 'no value or ciphertext in the audit line');
    assert.deepEqual(
      recorded.map((e) => ({ ...e, timestamp: 0 })),
      [
        { timestamp: 0, organization: 'acme', event: 'stack_secret_decrypted', description: "1 secret value of stack 'acme/web/prod' decrypted for alice", sourceIp: '', user: 'alice', actorName: 'alice', actorUrn: 'urn:stackyard:user:alice', requestId: 'req-1' },
        { timestamp: 0, organization: 'acme', event: 'stack_secret_decrypted', description: "2 secret values of stack 'acme/web/prod' decrypted for update:u-42", sourceIp: '', user: null, actorName: 'update u-42', actorUrn: 'urn:stackyard:update:u-42' },
      ],
    );
    for (const event of recorded) for (const secret of ['hunter2', 'one', 'two', ciphertext]) assert.ok(!JSON.stringify(event).includes(secret), 'no value or ciphertext in the stored event');
  });

  void it('writes no audit line when the decrypt fails', async () => {
    const { sut, lines } = setup({ failDecrypt: true });
    await assert.rejects(sut.decrypt(stack, { ciphertext: b64('x') }, 'alice'), /refused/);
    assert.deepEqual(lines, []);
  });

  void it('turns log-decryption notices into audit lines with the name only', () => {
    const { sut, lines, events } = setup();
    sut.logDecryption({ login: 'alice', userId: 'u-1', token: { id: 't-1', name: 'laptop', kind: 'personal' } } as never, stack, { secretName: 'dbPassword' }, 'secretName');
    assert.deepEqual(JSON.parse(lines[0]), { event: 'secret.decrypt', user: 'alice', stack: 'acme/web/prod', secretName: 'dbPassword' });
    assert.equal(events[0]?.event, 'stack_secret_decryption_logged');
    assert.equal(events[0]?.description, "the CLI reported decrypting secret 'dbPassword' of stack 'acme/web/prod'");
    assert.deepEqual([events[0]?.user, events[0]?.tokenId, events[0]?.tokenName], ['alice', 't-1', 'laptop']);
  });
});
