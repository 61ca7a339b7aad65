import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { teamChangeOf } from './console-org.service';

function refused(body: unknown, message: RegExp): void {
  assert.throws(
    () => teamChangeOf(body),
    (error: unknown) => error instanceof ApiError && error.status === 400 && message.test(error.message),
  );
}

void describe('teamChangeOf', () => {
  void it("rebuilds each of the api's one-operation bodies from its own fields only", () => {
    assert.deepEqual(teamChangeOf({ memberAction: 'add', member: 'carol', extra: 'dropped' }), { memberAction: 'add', member: 'carol' });
    assert.deepEqual(teamChangeOf({ addStackPermission: { projectName: 'web', stackName: 'prod', permission: 102, other: 1 } }), {
      addStackPermission: { projectName: 'web', stackName: 'prod', permission: 102 },
    });
    assert.deepEqual(teamChangeOf({ editStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } }), {
      editStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 },
    });
    assert.deepEqual(teamChangeOf({ removeStack: { projectName: 'web', stackName: 'prod' } }), { removeStack: { projectName: 'web', stackName: 'prod' } });
  });

  void it('refuses anything else with a 400 that says what is wrong', () => {
    refused(null, /JSON object/);
    refused({}, /exactly one/);
    refused({ memberAction: 'add', member: 'carol', removeStack: { projectName: 'web', stackName: 'prod' } }, /exactly one/);
    refused({ memberAction: 'delete', member: 'carol' }, /add, remove, promote or demote/);
    refused({ memberAction: 'add', member: 'carol smith' }, /login/);
    refused({ addStackPermission: { projectName: 'web', stackName: 'prod', permission: 0 } }, /101 \(Read\)/);
    refused({ addStackPermission: { projectName: 'web/x', stackName: 'prod', permission: 101 } }, /projectName and stackName/);
    refused({ removeStack: 'web/prod' }, /projectName and stackName/);
  });
});
