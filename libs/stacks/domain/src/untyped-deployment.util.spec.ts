import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CheckpointRequestInfo,
  type UntypedDeploymentInfo,
  type ValidationResult,
  composeUntypedDeployment,
  validateCheckpointRequest,
  validateUntypedDeployment,
} from './untyped-deployment.util';

const MANIFEST = '{"time":"2026-01-02T03:04:05Z","magic":"","version":""}';

function ok<T>(result: ValidationResult<T>): T {
  if (!result.ok) assert.fail(`expected valid, got: ${result.error}`);
  return result.info;
}

function error<T>(result: ValidationResult<T>): string {
  if (result.ok) assert.fail('expected a validation error');
  return result.error;
}

const validate = (text: string): ValidationResult<UntypedDeploymentInfo> => validateUntypedDeployment(Buffer.from(text));

void describe('validateUntypedDeployment', () => {
  void it('accepts a fresh version-3 deployment and reports its parts', () => {
    const text = `{"version":3,"deployment":{"manifest":${MANIFEST}}}`;
    const info = ok(validate(text));
    assert.equal(info.version, 3);
    assert.equal(info.features, undefined);
    assert.equal(info.featuresSpan, undefined);
    assert.equal(info.secretsProvidersSpan, undefined);
    assert.equal(info.resourceCount, 0);
    assert.equal(text.slice(info.deploymentSpan.start, info.deploymentSpan.end), `{"manifest":${MANIFEST}}`);
    assert.equal('isInvalid' in info, false);
  });

  void it('accepts versions 1 to 4', () => {
    for (const v of [1, 2, 3, 4]) assert.equal(ok(validate(`{"version":${v},"deployment":{"manifest":{}}}`)).version, v);
  });

  void it('rejects versions outside 1..4 and non-integer spellings', () => {
    for (const [v, expected] of [
      ['0', /'version' must be an integer from 1 to 4, got 0 \(the CLI refuses deployments it considers too old\)/],
      ['-1', /got -1 .*too old/],
      ['5', /got 5 .*too new/],
      ['99999999999999999999', /too new/],
      ['3.0', /got 3\.0$/],
      ['3e0', /got 3e0$/],
      ['3.5', /got 3\.5$/],
      ['"3"', /got "3"$/],
      ['null', /got null$/],
      ['true', /got true$/],
      ['[3]', /got \[3\]$/],
    ] as const) {
      assert.match(error(validate(`{"version":${v},"deployment":{"manifest":{}}}`)), expected, v);
    }
    assert.equal(error(validate('{"deployment":{"manifest":{}}}')), "'version' is required");
  });

  void it('type-checks features (null counts as absent)', () => {
    const info = ok(validate(`{"version":4,"features":["refreshBeforeUpdate","views"],"deployment":{"manifest":{}}}`));
    assert.deepEqual(info.features, ['refreshBeforeUpdate', 'views']);
    assert.deepEqual(info.featuresSpan, { start: 24, end: 55, type: 'array' });
    assert.deepEqual(ok(validate(`{"version":4,"features":[],"deployment":{"manifest":{}}}`)).features, []);
    assert.equal(ok(validate(`{"version":4,"features":null,"deployment":{"manifest":{}}}`)).features, undefined);
    // Unknown features are the CLI's business (it names them); the server only checks the type.
    assert.deepEqual(ok(validate(`{"version":4,"features":["from-the-future"],"deployment":{"manifest":{}}}`)).features, ['from-the-future']);
    assert.equal(error(validate(`{"version":4,"features":"views","deployment":{"manifest":{}}}`)), "'features' must be an array of strings, got a string");
    assert.equal(error(validate(`{"version":4,"features":["a",1],"deployment":{"manifest":{}}}`)), "'features' must be an array of strings, but element 1 is a number");
    assert.equal(error(validate(`{"version":4,"features":[["a"]],"deployment":{"manifest":{}}}`)), "'features' must be an array of strings, but element 0 is an array");
    // Go decodes `features` into []string whatever the version.
    assert.match(error(validate(`{"version":3,"features":{},"deployment":{"manifest":{}}}`)), /'features' must be an array of strings, got an object/);
  });

  void it('requires a deployment object with a manifest object', () => {
    assert.equal(error(validate('{"version":3}')), "'deployment' is required");
    assert.equal(error(validate('{"version":3,"deployment":null}')), "'deployment' must be a JSON object, got null");
    assert.equal(error(validate('{"version":3,"deployment":"{}"}')), "'deployment' must be a JSON object, got a string");
    assert.equal(error(validate('{"version":3,"deployment":{}}')), "'deployment.manifest' is required");
    assert.equal(error(validate('{"version":3,"deployment":{"manifest":[]}}')), "'deployment.manifest' must be a JSON object, got an array");
    assert.equal(error(validate('{"version":3,"deployment":{"manifest":null}}')), "'deployment.manifest' must be a JSON object, got null");
  });

  void it('counts resources and checks their type', () => {
    const resources = (list: string): string => `{"version":3,"deployment":{"manifest":{},"resources":${list}}}`;
    assert.equal(ok(validate(resources('[{"urn":"a","inputs":{"x":[1,2]}},{"urn":"b"}]'))).resourceCount, 2);
    assert.equal(ok(validate(resources('[]'))).resourceCount, 0);
    assert.equal(ok(validate(resources('null'))).resourceCount, 0);
    assert.equal(error(validate(resources('{}'))), "'deployment.resources' must be an array, got an object");
    assert.equal(error(validate(resources('3'))), "'deployment.resources' must be an array, got a number");
  });

  void it('reports the secrets providers span', () => {
    const sp = '{"type":"service","state":{"url":"https://x","owner":"o","project":"p","stack":"s"}}';
    const text = `{"version":3,"deployment":{"manifest":{},"secrets_providers":${sp}}}`;
    const info = ok(validate(text));
    assert.ok(info.secretsProvidersSpan);
    assert.equal(text.slice(info.secretsProvidersSpan.start, info.secretsProvidersSpan.end), sp);
    assert.equal(ok(validate('{"version":3,"deployment":{"manifest":{},"secrets_providers":null}}')).secretsProvidersSpan, undefined);
    assert.equal(error(validate('{"version":3,"deployment":{"manifest":{},"secrets_providers":"x"}}')), "'deployment.secrets_providers' must be a JSON object, got a string");
  });

  void it('rejects non-objects and malformed JSON with the byte offset', () => {
    assert.equal(error(validate('[]')), 'The deployment must be a JSON object, got an array');
    assert.equal(error(validate('"x"')), 'The deployment must be a JSON object, got a string');
    assert.equal(error(validate('{"version":3,"deployment":{"manifest":{}}')), "The deployment is not valid JSON: unexpected end of input, expected ',' or '}' (at byte 41)");
    assert.match(error(validate('')), /^The deployment is not valid JSON: unexpected end of input, expected a value \(at byte 0\)$/);
  });

  void it('uses the last of repeated keys, like the CLI and JSON.parse', () => {
    assert.equal(ok(validate('{"version":9,"version":2,"deployment":{"manifest":{}}}')).version, 2);
    assert.equal(error(validate('{"version":2,"deployment":{"manifest":{}},"deployment":{}}')), "'deployment.manifest' is required");
  });

  void it('validates a multi-MiB checkpoint and agrees with JSON.parse', () => {
    const resources = Array.from({ length: 20_000 }, (_, i) => ({
      urn: `urn:pulumi:dev::web::aws:s3/bucket:Bucket::b-${i}`,
      custom: true,
      inputs: { tags: { owner: 'zoë ☃', n: i }, list: [[i], { deep: [null, true, 1.5e-3] }], text: '<html>&"\\\n' },
    }));
    for (const indent of [0, 2]) {
      const body = Buffer.from(JSON.stringify({ version: 3, deployment: { manifest: { time: 't' }, resources } }, null, indent));
      assert.ok(body.length > 1_000_000);
      const info = ok(validateUntypedDeployment(body));
      assert.equal(info.resourceCount, 20_000);
      const stored = Buffer.concat(composeUntypedDeployment(body, info));
      // Compare canonical re-serialisations: deepEqual on 20k objects would dominate the suite.
      assert.equal(JSON.stringify(JSON.parse(stored.toString())), JSON.stringify(JSON.parse(body.toString())));
    }
  });

  void it('allows unknown members and the verbatim layout (pendingOperations)', () => {
    const text = `{"version":3,"extra":1,"deployment":{"manifest":{},"metadata":{},"resources":[{}],"pendingOperations":[],"extensions":{}}}`;
    assert.equal(ok(validate(text)).resourceCount, 1);
  });
});

void describe('validateCheckpointRequest', () => {
  const check = (text: string): ValidationResult<CheckpointRequestInfo> => validateCheckpointRequest(Buffer.from(text));

  void it('accepts the CLI body and reports isInvalid', () => {
    const info = ok(check(`{"isInvalid":false,"version":3,"deployment":{"manifest":${MANIFEST},"resources":[{},{}]}}`));
    assert.equal(info.isInvalid, false);
    assert.equal(info.version, 3);
    assert.equal(info.resourceCount, 2);
    assert.equal(ok(check('{"isInvalid":true,"version":3,"deployment":{"manifest":{}}}')).isInvalid, true);
    assert.equal(ok(check('{"version":3,"deployment":{"manifest":{}}}')).isInvalid, false);
    assert.equal(ok(check('{"isInvalid":null,"version":3,"deployment":{"manifest":{}}}')).isInvalid, false);
  });

  void it('rejects a non-boolean isInvalid and the same envelope problems', () => {
    assert.equal(error(check('{"isInvalid":"yes","version":3,"deployment":{"manifest":{}}}')), "'isInvalid' must be a boolean, got a string");
    assert.match(error(check('{"isInvalid":false,"version":5,"deployment":{"manifest":{}}}')), /'version' must be an integer/);
    assert.equal(error(check('{"isInvalid":false,"version":3}')), "'deployment' is required");
    assert.match(error(check('{"isInvalid":false')), /^The checkpoint is not valid JSON: .* \(at byte 18\)$/);
  });
});

void describe('composeUntypedDeployment', () => {
  void it('wraps the original deployment bytes without re-serialising them', () => {
    // Formatting that a parse/stringify round trip would change: spacing, \u003c escapes, 1.0, key order.
    const deployment = '{ "manifest" : {"time":"t"},"resources":[{"urn":"a","outputs":{"html":"\\u003cb\\u003e","n":1.0,"z":1,"a":2}}] }';
    const body = Buffer.from(`{"isInvalid":false,"version":3,"deployment":${deployment}}`);
    const info = ok(validateCheckpointRequest(body));
    const pieces = composeUntypedDeployment(body, info);
    const stored = Buffer.concat(pieces).toString();
    assert.equal(stored, `{"version":3,"deployment":${deployment}}`);
    assert.deepEqual(JSON.parse(stored), { version: 3, deployment: JSON.parse(deployment) as unknown });
    const deploymentPiece = pieces.find((p) => p.length === Buffer.byteLength(deployment));
    assert.ok(deploymentPiece);
    assert.equal(deploymentPiece.buffer, body.buffer, 'the deployment piece is a view, not a copy');
    // And the stored form validates again with the same information.
    const again = ok(validateUntypedDeployment(Buffer.from(stored)));
    assert.equal(again.resourceCount, 1);
  });

  void it('includes the features array when present', () => {
    const body = Buffer.from('{"version":4,"features":[ "views" ],"deployment":{"manifest":{}}}');
    const stored = Buffer.concat(composeUntypedDeployment(body, ok(validateUntypedDeployment(body)))).toString();
    assert.equal(stored, '{"version":4,"features":[ "views" ],"deployment":{"manifest":{}}}');
  });

  void it('works on a view into a larger buffer', () => {
    const backing = Buffer.from('garbage{"version":2,"deployment":{"manifest":{"m":"é"}}}garbage');
    const view = backing.subarray(7, backing.length - 7);
    const stored = Buffer.concat(composeUntypedDeployment(view, ok(validateUntypedDeployment(view)))).toString();
    assert.equal(stored, '{"version":2,"deployment":{"manifest":{"m":"é"}}}');
  });
});
