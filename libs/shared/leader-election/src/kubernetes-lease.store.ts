import { readFileSync } from 'node:fs';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';

/** The client library, loaded only when this backend is used (it adds ~0.4 s to a start). */
type KubernetesClient = typeof import('@kubernetes/client-node');
import { type LeaseRecord, type LeaseStore, parseJobRuns, type VersionedLease } from './lease-store';

/** Where a pod's service account credentials are mounted. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** The annotation that carries the singleton jobs' claimed periods (see `LeaseRecord.jobRuns`). */
export const JOB_RUNS_ANNOTATION = 'stackyard.io/job-runs';

export interface KubernetesLeaseSettings {
  leaseName: string;
  /** Unset: the pod's own namespace, from its service account. */
  namespace?: string;
  /** A kubeconfig file (tests, or running outside the cluster); unset: the in-cluster service account. */
  kubeconfigPath?: string;
}

/**
 * A `coordination.k8s.io/v1` Lease as the lease store: GET, then POST to create or PUT to replace
 * with `metadata.resourceVersion`, so the API server refuses (409) a write based on a version that
 * moved on. The service account needs get, create and update on leases in its namespace.
 */
export class KubernetesLeaseStore implements LeaseStore {
  readonly description: string;
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  /** The Lease as last read, so a replace keeps labels, annotations and fields we do not manage. */
  private lastSeen: V1Lease | undefined;

  /** Loads the client and its configuration (kubeconfig file or the pod's service account). */
  static async connect(settings: KubernetesLeaseSettings): Promise<KubernetesLeaseStore> {
    return new KubernetesLeaseStore(await import('@kubernetes/client-node'), settings);
  }

  private constructor(
    private readonly k8s: KubernetesClient,
    private readonly settings: KubernetesLeaseSettings,
  ) {
    const config = new k8s.KubeConfig();
    if (settings.kubeconfigPath) config.loadFromFile(settings.kubeconfigPath);
    else config.loadFromCluster();
    this.namespace = settings.namespace ?? readServiceAccountNamespace();
    this.api = config.makeApiClient(k8s.CoordinationV1Api);
    this.description = `kubernetes lease ${this.namespace}/${settings.leaseName}`;
  }

  async get(): Promise<VersionedLease | null> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.settings.leaseName, namespace: this.namespace });
      return this.versioned(lease);
    } catch (error) {
      if (error instanceof this.k8s.ApiException && error.code === 404) return null;
      throw this.failure('read', error);
    }
  }

  async create(record: LeaseRecord): Promise<VersionedLease | 'conflict'> {
    const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.settings.leaseName, namespace: this.namespace }, spec: {} };
    try {
      return this.versioned(await this.api.createNamespacedLease({ namespace: this.namespace, body: this.withRecord(body, record) }));
    } catch (error) {
      if (error instanceof this.k8s.ApiException && error.code === 409) return 'conflict';
      throw this.failure('create', error);
    }
  }

  async replace(record: LeaseRecord, expectedVersion: string): Promise<VersionedLease | 'conflict'> {
    const base: V1Lease = this.lastSeen ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.settings.leaseName, namespace: this.namespace }, spec: {} };
    const body = this.withRecord(base, record);
    body.metadata = { ...body.metadata, resourceVersion: expectedVersion };
    try {
      return this.versioned(await this.api.replaceNamespacedLease({ name: this.settings.leaseName, namespace: this.namespace, body }));
    } catch (error) {
      // 409: the resourceVersion moved on; 404: the Lease was deleted meanwhile (re-read creates it).
      if (error instanceof this.k8s.ApiException && (error.code === 409 || error.code === 404)) return 'conflict';
      throw this.failure('replace', error);
    }
  }

  async close(): Promise<void> {
    // The client keeps no connections of its own open between requests.
  }

  private versioned(lease: V1Lease): VersionedLease {
    this.lastSeen = lease;
    const spec = lease.spec ?? {};
    const version = lease.metadata?.resourceVersion;
    if (!version) throw new Error(`${this.description}: the API server returned a Lease without a resourceVersion`);
    return {
      version,
      record: {
        holderIdentity: spec.holderIdentity ?? '',
        leaseDurationMs: (spec.leaseDurationSeconds ?? 0) * 1000,
        acquireTime: spec.acquireTime ? new Date(spec.acquireTime).getTime() : 0,
        renewTime: spec.renewTime ? new Date(spec.renewTime).getTime() : 0,
        leaseTransitions: spec.leaseTransitions ?? 0,
        jobRuns: parseJobRuns(lease.metadata?.annotations?.[JOB_RUNS_ANNOTATION]),
      },
    };
  }

  private withRecord(lease: V1Lease, record: LeaseRecord): V1Lease {
    return withRecord(lease, record, (ms) => new this.k8s.V1MicroTime(ms));
  }

  /** The API server's status message names the cause (e.g. RBAC's "cannot update resource leases"); no credentials are in it. */
  private failure(action: string, error: unknown): Error {
    if (error instanceof this.k8s.ApiException) return kubernetesError(action, error.code, error.body);
    return new Error(`cannot ${action} the lease: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function withRecord(lease: V1Lease, record: LeaseRecord, microTime: (ms: number) => Date): V1Lease {
  const annotations = { ...(lease.metadata?.annotations ?? {}), [JOB_RUNS_ANNOTATION]: JSON.stringify(record.jobRuns) };
  return {
    ...lease,
    metadata: { ...lease.metadata, annotations },
    spec: {
      ...lease.spec,
      holderIdentity: record.holderIdentity,
      // The Lease counts whole seconds; round up so nobody takes over early.
      leaseDurationSeconds: Math.max(1, Math.ceil(record.leaseDurationMs / 1000)),
      acquireTime: microTime(record.acquireTime),
      renewTime: microTime(record.renewTime),
      leaseTransitions: record.leaseTransitions,
    },
  };
}

function readServiceAccountNamespace(): string {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    throw new Error(`leader election: set STACKYARD_LEADER_ELECTION_NAMESPACE, or run in a pod with a service account (${SERVICE_ACCOUNT_NAMESPACE_FILE} is missing)`);
  }
}

function kubernetesError(action: string, code: number, body: unknown): Error {
  let message = '';
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = '';
    }
  } else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    message = (body as { message: string }).message;
  }
  const failure = new Error(`cannot ${action} the lease: HTTP ${code}${message ? ` ${message.slice(0, 300)}` : ''}`);
  (failure as Error & { status?: number }).status = code;
  return failure;
}
