import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { deletionOf, renameOf, transferOf } from './console-stack-settings.service';

function refusedWith(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof ApiError && error.status === 400 && message.test(error.message));
}

const ref = { org: 'acme', project: 'web', stack: 'prod' };

void describe('console stack settings: rename, transfer, delete', () => {
  void it('takes a new stack name the api accepts, and nothing else', () => {
    assert.deepEqual(renameOf({ newName: 'prod-2', newProject: 'ignored' }), { newName: 'prod-2' });
    refusedWith(() => renameOf({}), /'newName' must be given/);
    refusedWith(() => renameOf({ newName: '../other' }), /new name/);
    refusedWith(() => renameOf({ newName: '' }), /new name/);
    refusedWith(() => renameOf('prod-2'), /'newName'/);
  });

  void it('takes the organization to transfer to', () => {
    assert.deepEqual(transferOf({ toOrg: 'other-org' }), { toOrg: 'other-org' });
    refusedWith(() => transferOf({ toOrg: 'a/b' }), /organization name/);
    refusedWith(() => transferOf(null), /'toOrg'/);
  });

  void it("deletes only with the stack's name typed exactly, forcing only when asked with a boolean", () => {
    assert.deepEqual(deletionOf(ref, { confirm: 'prod' }), { force: false });
    assert.deepEqual(deletionOf(ref, { confirm: 'prod', force: true }), { force: true });
    refusedWith(() => deletionOf(ref, { confirm: 'Prod' }), /type the stack's name, prod/);
    refusedWith(() => deletionOf(ref, { confirm: 'acme/web/prod' }), /to confirm/);
    refusedWith(() => deletionOf(ref, {}), /'confirm'/);
    refusedWith(() => deletionOf(ref, { confirm: 'prod', force: 'true' }), /force must be true or false/);
  });
});
