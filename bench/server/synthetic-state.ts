import { payloadHex } from '../program/payload';

/**
 * State shaped like the benchmark program's (payload-program.ts): the stack, the default
 * `pulumi-nodejs` provider, and dynamic resources whose outputs carry the same padding. Used where
 * the api is driven through its raw protocol instead of the CLI.
 */
export interface StackNames {
  project: string;
  stack: string;
}

const PROVIDER_ID = '3f0c2a4e-5b6d-4c7e-8f90-a1b2c3d4e5f6';
const TIME = '2026-01-01T00:00:00.000000000Z';

export interface ResourceJson {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  provider?: string;
  [key: string]: unknown;
}

export function stackUrn(n: StackNames): string {
  return `urn:pulumi:${n.stack}::${n.project}::pulumi:pulumi:Stack::${n.project}-${n.stack}`;
}

function providerUrn(n: StackNames): string {
  return `urn:pulumi:${n.stack}::${n.project}::pulumi:providers:pulumi-nodejs::default`;
}

export function stackResource(n: StackNames): ResourceJson {
  return { urn: stackUrn(n), custom: false, type: 'pulumi:pulumi:Stack', outputs: {}, created: TIME, modified: TIME };
}

export function providerResource(n: StackNames): ResourceJson {
  return { urn: providerUrn(n), custom: true, id: PROVIDER_ID, type: 'pulumi:providers:pulumi-nodejs', inputs: {}, outputs: {}, created: TIME, modified: TIME };
}

/** Resource `index` as the create's begin entry shows it (inputs only) and as it ends up in state. */
export function payloadResource(n: StackNames, index: number, seed: string, bytes: number, withOutputs: boolean): ResourceJson {
  const inputs = { index, seed, bytes };
  return {
    urn: `urn:pulumi:${n.stack}::${n.project}::pulumi-nodejs:dynamic:Resource::payload-${index}`,
    custom: true,
    ...(withOutputs ? { id: `payload-${index}` } : {}),
    type: 'pulumi-nodejs:dynamic:Resource',
    inputs,
    ...(withOutputs ? { outputs: { ...inputs, payload: payloadHex(seed, index, bytes) } } : {}),
    parent: stackUrn(n),
    provider: `${providerUrn(n)}::${PROVIDER_ID}`,
    propertyDependencies: { index: [], seed: [], bytes: [] },
    created: TIME,
    modified: TIME,
  };
}

/**
 * An `UntypedDeployment` (what `pulumi stack export` prints) of at least `targetBytes`, as text:
 * built by joining pieces, since a 50 MB object graph would only be stringified once anyway.
 */
export function syntheticDeployment(n: StackNames, targetBytes: number, seed: string, payloadBytes: number): { text: string; resources: number } {
  const pieces = [JSON.stringify(stackResource(n)), JSON.stringify(providerResource(n))];
  let size = pieces[0].length + pieces[1].length + 200;
  let index = 0;
  while (size < targetBytes) {
    const piece = JSON.stringify(payloadResource(n, index++, seed, payloadBytes, true));
    pieces.push(piece);
    size += piece.length + 1;
  }
  const manifest = JSON.stringify({ time: TIME, magic: '', version: 'v3.274.1' });
  return { text: `{"version":3,"deployment":{"manifest":${manifest},"resources":[${pieces.join(',')}]}}`, resources: pieces.length };
}
