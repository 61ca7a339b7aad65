import * as pulumi from '@pulumi/pulumi';

/** What the benchmark program builds; travels to the runner process as JSON. */
export interface PayloadProgramSpec {
  /** Number of dynamic resources (N). */
  resources: number;
  /** Hex characters of padding in each resource's outputs. */
  payloadBytes: number;
  /** Seeds the padding; the same seed gives every backend byte-identical outputs. */
  seed: string;
}

export interface PayloadInputs {
  index: number;
  seed: string;
  bytes: number;
}

/**
 * The dynamic provider. Pulumi serialises these functions into every resource's state and runs
 * them in `pulumi-resource-pulumi-nodejs`, so they capture nothing from this module and load what
 * they need with `require` at run time. `create` computes the same padding as `payloadHex`
 * (payload.ts); keep the two in step.
 */
const payloadProvider: pulumi.dynamic.ResourceProvider = {
  diff(_id: string, olds: PayloadInputs, news: PayloadInputs) {
    const changed = olds.index !== news.index || olds.seed !== news.seed || olds.bytes !== news.bytes;
    return Promise.resolve({ changes: changed, replaces: changed ? ['index'] : [], deleteBeforeReplace: false });
  },
  create(inputs: PayloadInputs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const parts: string[] = [];
    let length = 0;
    let block = createHash('sha256').update(`${inputs.seed}/${inputs.index}`).digest('hex');
    while (length < inputs.bytes) {
      parts.push(block);
      length += block.length;
      block = createHash('sha256').update(block).digest('hex');
    }
    return Promise.resolve({ id: `payload-${inputs.index}`, outs: { ...inputs, payload: parts.join('').slice(0, inputs.bytes) } });
  },
  delete() {
    // Nothing outside Pulumi's state to remove.
    return Promise.resolve();
  },
};

class Payload extends pulumi.dynamic.Resource {
  constructor(name: string, args: { [K in keyof PayloadInputs]: pulumi.Input<PayloadInputs[K]> }) {
    super(payloadProvider, name, { ...args, payload: undefined }, undefined, 'bench');
  }
}

/** The inline program: N independent dynamic resources (so `parallel` governs the engine), one plain output. */
export function payloadProgram(spec: PayloadProgramSpec): () => Promise<Record<string, unknown>> {
  return () => {
    for (let index = 0; index < spec.resources; index++) {
      new Payload(`payload-${index}`, { index, seed: spec.seed, bytes: spec.payloadBytes });
    }
    return Promise.resolve({ resources: spec.resources });
  };
}
