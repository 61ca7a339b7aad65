import * as pulumi from '@pulumi/pulumi';

/** What the robustness program builds; the whole spec travels to the runner process as JSON. */
export interface RobustProgramSpec {
  /** Number of dynamic resources `item-0 … item-(n-1)`. */
  resources: number;
  /** Bumping it changes every resource's inputs (an update of each, never a replacement). */
  generation?: number;
  /** Every create sleeps this long (ms): a slow update whose checkpoints can be watched. */
  createDelayMs?: number;
  /**
   * The create of resource `gate.index` writes `gate.startedFile` and then waits until
   * `gate.releaseFile` exists (at most `gate.maxWaitMs`): an update that holds its lease for as
   * long as the test wants.
   */
  gate?: { index: number; startedFile: string; releaseFile: string; maxWaitMs: number };
  /** Read this secret config key and export it as a secret output (exercises decrypt + encrypt). */
  secretConfigKey?: string;
}

export interface RobustItemInputs {
  index: number;
  generation: number;
  delayMs: number;
  gate?: { startedFile: string; releaseFile: string; maxWaitMs: number };
}

/**
 * The dynamic provider. Pulumi serialises these functions into the resources' state and runs them
 * in `pulumi-resource-pulumi-nodejs`, so they capture nothing and `require` what they need.
 */
const robustProvider: pulumi.dynamic.ResourceProvider = {
  diff(_id: string, olds: RobustItemInputs, news: RobustItemInputs) {
    const changes = olds.generation !== news.generation || olds.index !== news.index;
    return Promise.resolve({ changes, replaces: olds.index !== news.index ? ['index'] : [], deleteBeforeReplace: false });
  },
  async create(inputs: RobustItemInputs) {
    if (inputs.gate) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fs = require('node:fs') as typeof import('node:fs');
      fs.writeFileSync(inputs.gate.startedFile, `${process.pid} ${Date.now()}`);
      const deadline = Date.now() + inputs.gate.maxWaitMs;
      while (!fs.existsSync(inputs.gate.releaseFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    }
    if (inputs.delayMs > 0) await new Promise((r) => setTimeout(r, inputs.delayMs));
    return { id: `robust-${inputs.index}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, outs: { index: inputs.index, generation: inputs.generation } };
  },
  update(_id: string, _olds: RobustItemInputs, news: RobustItemInputs) {
    return Promise.resolve({ outs: { index: news.index, generation: news.generation } });
  },
  async delete() {
    // Nothing outside Pulumi's state.
  },
};

class RobustItem extends pulumi.dynamic.Resource {
  declare readonly generation: pulumi.Output<number>;

  constructor(name: string, args: RobustItemInputs) {
    super(robustProvider, name, { ...args }, undefined, 'robust');
  }
}

/** URN suffix of item `i`, for matching exports against what the CLI reported. */
export function itemName(index: number): string {
  return `item-${index}`;
}

export function robustProgram(spec: RobustProgramSpec): () => Promise<Record<string, unknown>> {
  return () => {
    const generation = spec.generation ?? 1;
    const items: RobustItem[] = [];
    for (let index = 0; index < spec.resources; index++) {
      const gate = spec.gate?.index === index ? { startedFile: spec.gate.startedFile, releaseFile: spec.gate.releaseFile, maxWaitMs: spec.gate.maxWaitMs } : undefined;
      items.push(new RobustItem(itemName(index), { index, generation, delayMs: spec.createDelayMs ?? 0, ...(gate ? { gate } : {}) }));
    }
    const outputs: Record<string, unknown> = { itemCount: items.length, generation };
    if (spec.secretConfigKey) outputs['secretValue'] = new pulumi.Config().requireSecret(spec.secretConfigKey);
    return Promise.resolve(outputs);
  };
}
