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
  /** Indices below `resources` that the program leaves out (deleted, or never created). */
  omit?: number[];
  /**
   * Indices whose `replaceKey` input is `'cbd'` (absent otherwise): adding one is a replacement,
   * create-before-delete (the default). Keep an index listed to keep the replacement.
   */
  replace?: number[];
  /**
   * The same with `replaceKey: 'dbr'` and the `deleteBeforeReplace: true` resource option: a
   * delete-before-create replacement. An index must not be in `replace` too.
   */
  replaceDeleteFirst?: number[];
  /**
   * A component resource `e2e:index:Group` named `group` with `children` items (indices 1000, 1001,
   * …) as its children. It registers outputs that change with `round`; the stack output
   * `groupSummary` does too.
   */
  component?: { round: number; children: number };
  /**
   * Distinctive values for the plaintext scan (e2e/secrets): item 0 gets `secretToken` as its secret
   * `token` input and `plainLabel` as its (plain) label, and its provider returns the token reversed
   * as its secret `derivedSecret` output — a secret that exists only as an output, never as an
   * input. The stack gets the outputs `scanSecret` (secret) and `scanPlain` (plain).
   */
  markers?: ScanMarkers;
  /** A `readme` stack output (Markdown), which Pulumi's console and Stackyard's show on the stack's overview. */
  readme?: string;
}

export interface ScanMarkers {
  secretToken: string;
  secretOutput: string;
  plainOutput: string;
  plainLabel: string;
}

export interface ItemInputs {
  index: number;
  generation: number;
  label: string;
  token: string;
  block?: { startedFile: string; releaseFile: string };
  /** Changing it forces a replacement (see `WorkflowProgramSpec.replace`). */
  replaceKey?: string;
  /** `derivedSecret` is the token reversed rather than `derived-secret-<index>-<generation>`. */
  deriveFromToken?: boolean;
}

/**
 * Environment variable naming a JSON file that the dynamic provider's `read` (refresh) consults:
 * `{"<index>": {"label": "…"}}` reports drifted outputs for that item, `{"<index>": "gone"}`
 * reports it deleted outside Pulumi. Unset or missing file: `read` returns the state unchanged.
 */
export const DRIFT_FILE_ENV = 'STACKYARD_E2E_DRIFT_FILE';

/**
 * The dynamic provider (create/diff/update/delete/read). Pulumi serialises these functions into
 * every resource's state and runs them in `pulumi-resource-pulumi-nodejs`, so they capture nothing
 * from this module and load what they need with `require` at run time.
 */
const itemProvider: pulumi.dynamic.ResourceProvider = {
  diff(_id: string, olds: ItemInputs, news: ItemInputs) {
    const replaces = olds.index !== news.index ? ['index'] : [];
    if (JSON.stringify(olds.replaceKey) !== JSON.stringify(news.replaceKey)) replaces.push('replaceKey');
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
      outs: { ...kept, derivedSecret: inputs.deriveFromToken === true ? [...inputs.token].reverse().join('') : `derived-secret-${inputs.index}-${inputs.generation}` },
    };
  },
  update(_id: string, _olds: ItemInputs, news: ItemInputs) {
    const { block: _block, ...kept } = news;
    return Promise.resolve({
      outs: { ...kept, derivedSecret: news.deriveFromToken === true ? [...news.token].reverse().join('') : `derived-secret-${news.index}-${news.generation}` },
    });
  },
  delete() {
    // Nothing outside Pulumi's state to remove.
    return Promise.resolve();
  },
  read(id: string, props?: Record<string, unknown>) {
    // The variable's name is spelled out: this function is serialised and captures nothing.
    const driftFile = process.env['STACKYARD_E2E_DRIFT_FILE'];
    if (driftFile) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fs = require('node:fs') as typeof import('node:fs');
      if (fs.existsSync(driftFile)) {
        const drift = (JSON.parse(fs.readFileSync(driftFile, 'utf8')) as Record<string, unknown>)[String(props?.['index'])];
        if (drift === 'gone') return Promise.resolve({ id: '', props: {} });
        if (drift !== null && typeof drift === 'object') return Promise.resolve({ id, props: { ...props, ...drift } });
      }
    }
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

/**
 * A component with item children that registers outputs of its own (`registerOutputs`): what the
 * engine records as an outputs step of a component (journal entry kind 4).
 */
class Group extends pulumi.ComponentResource {
  readonly summary: pulumi.Output<string>;

  constructor(name: string, args: { round: number; children: number }, opts?: pulumi.ComponentResourceOptions) {
    super('e2e:index:Group', name, {}, opts);
    const children: Item[] = [];
    for (let k = 0; k < args.children; k++) {
      const index = 1000 + k;
      children.push(
        new Item(
          `group-child-${k}`,
          { index, generation: args.round, label: `group child ${k} (round ${args.round})`, token: pulumi.secret(`token-${index}`) },
          { parent: this, additionalSecretOutputs: ['derivedSecret'] },
        ),
      );
    }
    this.summary = pulumi.all(children.map((c) => c.label)).apply((labels) => `round ${args.round}: ${labels.join(', ')}`);
    this.registerOutputs({
      round: args.round,
      summary: this.summary,
      childIds: children.map((c) => c.id),
      note: pulumi.secret(`group note of round ${args.round}`),
    });
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
 * config value `dbPassword` set with `pulumi config set --secret`. The optional spec fields add
 * omissions, replacements, a component and scan markers (see WorkflowProgramSpec); drift comes
 * from DRIFT_FILE_ENV.
 */
export function workflowProgram(spec: WorkflowProgramSpec): () => Promise<Record<string, unknown>> {
  return () => {
    const config = new pulumi.Config();
    const dbPassword = config.requireSecret('dbPassword');
    const items: Item[] = [];
    for (let index = 0; index < spec.resources; index++) {
      if (spec.omit?.includes(index)) continue;
      const block = spec.block?.index === index ? { startedFile: spec.block.startedFile, releaseFile: spec.block.releaseFile } : undefined;
      const deleteFirst = spec.replaceDeleteFirst?.includes(index) === true;
      const replaceKey = deleteFirst ? 'dbr' : spec.replace?.includes(index) ? 'cbd' : undefined;
      const scanned = index === 0 ? spec.markers : undefined;
      items.push(
        new Item(
          `item-${index}`,
          {
            index,
            generation: spec.generation,
            label: scanned?.plainLabel ?? (spec.relabel?.includes(index) ? `item number ${index} (relabelled)` : `item number ${index}`),
            token: pulumi.secret(scanned?.secretToken ?? `token-${index}`),
            ...(block ? { block } : {}),
            ...(replaceKey ? { replaceKey } : {}),
            ...(scanned ? { deriveFromToken: true } : {}),
          },
          { additionalSecretOutputs: ['derivedSecret'], ...(deleteFirst ? { deleteBeforeReplace: true } : {}) },
        ),
      );
    }
    const group = spec.component ? new Group('group', spec.component) : undefined;
    return Promise.resolve({
      itemCount: items.length,
      firstLabel: items[0]?.label,
      generation: spec.generation,
      dbPassword,
      apiKey: pulumi.secret(EXPECTED.apiKey),
      firstDerivedSecret: items[0]?.derivedSecret,
      ...(group ? { groupSummary: group.summary } : {}),
      ...(spec.markers ? { scanSecret: pulumi.secret(spec.markers.secretOutput), scanPlain: spec.markers.plainOutput } : {}),
      ...(spec.readme !== undefined ? { readme: spec.readme } : {}),
    });
  };
}
