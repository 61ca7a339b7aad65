import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StackEntity } from '@stackyard/stacks-data-access';
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
  const sut = new StackSecretsService(gateway as unknown as SecretsGateway);
  const lines: string[] = [];
  (sut as unknown as { logger: { log(m: string): void } }).logger = { log: (m: string) => void lines.push(m) };
  return { sut, lines };
}

void describe(StackSecretsService.name, () => {
  void it('writes an audit line for every decrypt and batch-decrypt: actor, stack, count — never a value', async () => {
    const { sut, lines } = setup();
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
  });

  void it('writes no audit line when the decrypt fails', async () => {
    const { sut, lines } = setup({ failDecrypt: true });
    await assert.rejects(sut.decrypt(stack, { ciphertext: b64('x') }, 'alice'), /refused/);
    assert.deepEqual(lines, []);
  });

  void it('turns log-decryption notices into audit lines with the name only', () => {
    const { sut, lines } = setup();
    sut.logDecryption({ login: 'alice' } as never, stack, { secretName: 'dbPassword' }, 'secretName');
    assert.deepEqual(JSON.parse(lines[0]), { event: 'secret.decrypt', user: 'alice', stack: 'acme/web/prod', secretName: 'dbPassword' });
  });
});
