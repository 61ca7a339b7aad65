import { maskSecrets } from './stack-outputs';

/** One resource of a stack as the console's resources tab shows it: secrets masked, children by parent. */
export interface StackResourceNode {
  urn: string;
  type: string;
  /** The resource's name (the last part of its URN). */
  name: string;
  /** The provider's type and name (`pulumi:providers:aws::default`), or '' for the stack and providers themselves. */
  provider: string;
  id?: string;
  /** Inputs and outputs with every secret inside replaced by `[secret]`. */
  inputs: unknown;
  outputs: unknown;
  children: StackResourceNode[];
}

const PROVIDER_REFERENCE = /^urn:pulumi:[^:]*::[^:]*::(pulumi:providers:[^:]+)::([^:]+)::/;

function providerOf(reference: unknown): string {
  if (typeof reference !== 'string') return '';
  const match = PROVIDER_REFERENCE.exec(reference);
  return match ? `${match[1]}::${match[2]}` : '';
}

function nameOf(urn: string): string {
  const at = urn.lastIndexOf('::');
  return at === -1 ? urn : urn.slice(at + 2);
}

/**
 * The exported deployment's resources as a tree by `parent` (a resource whose parent is not in
 * the deployment is a root), in the deployment's own order. Nothing secret leaves in clear.
 */
export function stackResourceTree(deployment: unknown): StackResourceNode[] {
  const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  const nodes = new Map<string, { node: StackResourceNode; parent: string | undefined }>();
  for (const raw of resources) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as Record<string, unknown>;
    if (typeof r['urn'] !== 'string' || nodes.has(r['urn'])) continue;
    const urn = r['urn'];
    const node: StackResourceNode = {
      urn,
      type: typeof r['type'] === 'string' ? r['type'] : '',
      name: nameOf(urn),
      provider: providerOf(r['provider']),
      ...(typeof r['id'] === 'string' && r['id'] !== '' ? { id: r['id'] } : {}),
      inputs: maskSecrets(r['inputs'] ?? {}).value,
      outputs: maskSecrets(r['outputs'] ?? {}).value,
      children: [],
    };
    nodes.set(urn, { node, parent: typeof r['parent'] === 'string' ? r['parent'] : undefined });
  }
  const roots: StackResourceNode[] = [];
  for (const { node, parent } of nodes.values()) {
    const owner = parent !== undefined && parent !== node.urn ? nodes.get(parent) : undefined;
    if (owner) owner.node.children.push(node);
    else roots.push(node);
  }
  return roots;
}
