import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whereItRan } from './update-environment';

void describe('whereItRan', () => {
  void it('keeps where an update ran and drops e-mail addresses and anything else', () => {
    assert.deepEqual(
      whereItRan({
        'exec.kind': 'auto.inline',
        'git.head': 'abc',
        'git.author': 'Alice',
        'git.author.email': 'alice@corp.example',
        'git.committer.email': 'ci@corp.example',
        'ci.system': 'GitLab CI',
        'vcs.repo': 'infra',
        'pulumi.version': 'v3.274.1',
        'AWS_SECRET_ACCESS_KEY': 'nope',
        'updatePlan': 'x',
      }),
      { 'exec.kind': 'auto.inline', 'git.head': 'abc', 'git.author': 'Alice', 'ci.system': 'GitLab CI', 'vcs.repo': 'infra', 'pulumi.version': 'v3.274.1' },
    );
    assert.deepEqual(whereItRan(undefined), {});
  });
});
