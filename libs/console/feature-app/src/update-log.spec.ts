import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updateLogLine } from './update-log';

void describe('update log lines', () => {
  void it('renders diagnostics without colour markup, resource steps by name, and the summary', () => {
    assert.deepEqual(updateLogLine({ sequence: 3, timestamp: 10, diagnosticEvent: { message: '<{%fg 2%}>waiting\u001b[0m for the file\n', severity: 'info', color: 'raw' } }), {
      sequence: 3,
      timestamp: 10,
      kind: 'diagnostic',
      severity: 'info',
      text: 'waiting for the file',
    });
    const urn = 'urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet';
    assert.equal(updateLogLine({ sequence: 4, timestamp: 11, resourcePreEvent: { metadata: { op: 'create', type: 'random:index/randomPet:RandomPet', urn } } })?.text, 'create random:index/randomPet:RandomPet pet');
    assert.equal(updateLogLine({ sequence: 5, timestamp: 12, summaryEvent: { resourceChanges: { create: 2, same: 1 }, durationSeconds: 4 } })?.text, 'Resources: 2 create, 1 same; duration 4s');
    assert.equal(updateLogLine({ sequence: 6, timestamp: 12, resOpFailedEvent: { metadata: { op: 'update', urn } } })?.severity, 'error');
  });

  void it('skips events that make no line', () => {
    assert.equal(updateLogLine({ sequence: 1, timestamp: 1, preludeEvent: { config: {} } }), undefined);
    assert.equal(updateLogLine({ sequence: 2, timestamp: 1, diagnosticEvent: { message: '' } }), undefined);
  });
});
