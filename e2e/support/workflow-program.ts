import * as pulumi from '@pulumi/pulumi';

/** What the e2e program builds; all of it travels to the runner process as JSON. */
export interface WorkflowProgramSpec {
  /** Number of dynamic resources (the workflow test uses at least 50). */
  resources: number;
  /** Bumping it changes every resource's inputs, i.e. an update of each (never a replacement). */
  generation: number;
  /**
   * Make the create of resource `block.index` wait until `block.releaseFile` exists, after writing
   * `block.startedFile`: a stuck update for the cancel test.
   */
  block?: { index: number; startedFile: string; releaseFile: string };
  /** Indices whose label changes (an in-place update of just those resources). */
  relabel?: number[];
}

export interface ItemInputs {
  index: number;
  generation: number;
  label: string;
  token: string;
  block?: { startedFile: string; releaseFile: string };
}

/**
 * The dynamic provider (create/diff/update/delete/read). Pulumi serialises these functions into
 * every resource's state and runs them in `pulumi-resource-pulumi-nodejs`, so they capture nothing
 * from this module and load what they need with `require` at run time.
 */
const itemProvider: pulumi.dynamic.ResourceProvider = {
  diff(_id: string, olds: ItemInputs, news: ItemInputs) {
    const replaces = olds.index !== news.index ? ['index'] : [];
    const changed = ['generation', 'label', 'token'].filter((k) => JSON.stringify(olds[k as keyof ItemInputs]) !== JSON.stringify(news[k as keyof ItemInputs]));
    return Promise.resolve({ changes: replaces.length > 0 || changed.length > 0, replaces, deleteBeforeReplace: false });
  },
  async create(inputs: ItemInputs) {
    if (inputs.block) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fs = require('node:fs') as typeof import('node:fs');
      fs.writeFileSync(inputs.block.startedFile, String(process.pid));
      // Bounded, so that a provider orphaned by a killed engine still goes away eventually.
      const deadline = Date.now() + 10 * 60_000;
      while (!fs.existsSync(inputs.block.releaseFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    const { block: _block, ...kept } = inputs;
    return {
      id: `item-${inputs.index}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
      outs: { ...kept, derivedSecret: `derived-secret-${inputs.index}-${inputs.generation}` },
    };
  },
  update(_id: string, _olds: ItemInputs, news: ItemInputs) {
    const { block: _block, ...kept } = news;
    return Promise.resolve({ outs: { ...kept, derivedSecret: `derived-secret-${news.index}-${news.generation}` } });
  },
  delete() {
    // Nothing outside Pulumi's state to remove.
    return Promise.resolve();
  },
  read(id: string, props?: Record<string, unknown>) {
    return Promise.resolve({ id, props: props ?? {} });
  },
};

class Item extends pulumi.dynamic.Resource {
  declare readonly label: pulumi.Output<string>;
  declare readonly generation: pulumi.Output<number>;
  declare readonly derivedSecret: pulumi.Output<string>;

  constructor(name: string, args: { [K in keyof ItemInputs]: pulumi.Input<ItemInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
    super(itemProvider, name, { ...args, derivedSecret: undefined }, opts, 'e2e');
  }
}

/** Plain values the stack outputs are checked against. */
export const EXPECTED = {
  apiKey: 'stackyard-e2e-api-key-7f3a',
  derivedSecret: (index: number, generation: number) => `derived-secret-${index}-${generation}`,
};

/**
 * The inline program: N dynamic resources with secret inputs (`pulumi.secret`) and secret outputs
 * (`additionalSecretOutputs`), plus plain and secret stack outputs, one of them from the secret
 * config value `dbPassword` set with `pulumi config set --secret`.
 */
export function workflowProgram(spec: WorkflowProgramSpec): () => Promise<Record<string, unknown>> {
  return () => {
    const config = new pulumi.Config();
    const dbPassword = config.requireSecret('dbPassword');
    const items: Item[] = [];
    for (let index = 0; index < spec.resources; index++) {
      const block = spec.block?.index === index ? { startedFile: spec.block.startedFile, releaseFile: spec.block.releaseFile } : undefined;
      items.push(
        new Item(
          `item-${index}`,
          { index, generation: spec.generation, label: spec.relabel?.includes(index) ? `item number ${index} (relabelled)` : `item number ${index}`, token: pulumi.secret(`token-${index}`), ...(block ? { block } : {}) },
          { additionalSecretOutputs: ['derivedSecret'] },
        ),
      );
    }
    return Promise.resolve({
      itemCount: items.length,
      firstLabel: items[0]?.label,
      generation: spec.generation,
      dbPassword,
      apiKey: pulumi.secret(EXPECTED.apiKey),
      firstDerivedSecret: items[0]?.derivedSecret,
    });
  };
}
