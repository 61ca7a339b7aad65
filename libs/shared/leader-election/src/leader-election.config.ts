import { z } from 'zod';
import { defaultHolderIdentity, type ElectionLogger, type LeaderElectionTimings, leaderElectionTimingProblems, type LeaderElector, LeaseElector } from './leader-elector';
import { DatabaseLeaseStore } from './database-lease.store';
import { KubernetesLeaseStore } from './kubernetes-lease.store';
import type { LeaseStore } from './lease-store';

/** A Lease's name is a DNS subdomain; the prefix is its first part (`<prefix>-<service>`). */
const LEASE_PREFIX = /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/;
const seconds = z.coerce.number().positive().max(3600);

/**
 * The leader-election settings every service with a cluster singleton reads (prefix `STACKYARD_`).
 * The chart sets `LEADER_ELECTION=kubernetes`, the namespace and `POD_NAME` through the downward API.
 */
export const leaderElectionConfigShape = {
  /** `database` (a row in the service's own database; any mode) or `kubernetes` (a coordination.k8s.io/v1 Lease). */
  LEADER_ELECTION: z.enum(['database', 'kubernetes']).default('database'),
  /** Namespace of the Lease; unset: the pod's service-account namespace. */
  LEADER_ELECTION_NAMESPACE: z.string().optional(),
  /** A kubeconfig file instead of the in-cluster service account (tests, or outside the cluster). */
  LEADER_ELECTION_KUBECONFIG: z.string().optional(),
  /** This replica's holder identity; `POD_NAME` is accepted as an alias (the chart sets it from the downward API). Unset: host name plus a random suffix. */
  LEADER_ELECTION_IDENTITY: z.string().min(1).max(253).optional(),
  /** Leases are named `<prefix>-<service>`. */
  LEADER_ELECTION_LEASE_PREFIX: z.string().regex(LEASE_PREFIX, { error: 'must be lower-case letters, digits and dashes (at most 42)' }).default('stackyard'),
  LEADER_ELECTION_LEASE_SECONDS: seconds.default(15),
  LEADER_ELECTION_RENEW_DEADLINE_SECONDS: seconds.default(10),
  LEADER_ELECTION_RETRY_PERIOD_SECONDS: seconds.default(2),
};

export type LeaderElectionConfig = z.infer<z.ZodObject<typeof leaderElectionConfigShape>>;

/** Variables accepted in place of the canonical ones (pass as `aliases` to loadConfig). */
export const LEADER_ELECTION_ENV_ALIASES: Record<string, string> = { POD_NAME: 'LEADER_ELECTION_IDENTITY' };

export function leaderElectionTimings(config: LeaderElectionConfig): LeaderElectionTimings {
  return {
    leaseDurationMs: config.LEADER_ELECTION_LEASE_SECONDS * 1000,
    renewDeadlineMs: config.LEADER_ELECTION_RENEW_DEADLINE_SECONDS * 1000,
    retryPeriodMs: config.LEADER_ELECTION_RETRY_PERIOD_SECONDS * 1000,
  };
}

/** Cross-field problems, phrased with the variables' names. */
export function leaderElectionConfigProblems(config: LeaderElectionConfig): string[] {
  return leaderElectionTimingProblems(leaderElectionTimings(config)).map(
    (problem) => `STACKYARD_LEADER_ELECTION_*_SECONDS: ${problem} (lease ${config.LEADER_ELECTION_LEASE_SECONDS}, renew deadline ${config.LEADER_ELECTION_RENEW_DEADLINE_SECONDS}, retry period ${config.LEADER_ELECTION_RETRY_PERIOD_SECONDS})`,
  );
}

export interface LeaderElectionTarget {
  /** The service whose singletons the lease guards: `identity`, `api`, … */
  service: string;
  /** The service's database and migrations table (the `database` backend keeps its row there). */
  databaseUrl: string;
  migrationsTableName: string;
  /** Holder identity; default `LEADER_ELECTION_IDENTITY` (or `POD_NAME`), else host name plus a random suffix. */
  identity?: string;
  logger?: ElectionLogger;
}

/** The lease name a service uses under these settings. */
export function leaseNameFor(config: LeaderElectionConfig, service: string): string {
  return `${config.LEADER_ELECTION_LEASE_PREFIX}-${service}`;
}

/** Builds (does not start) the elector the settings describe. */
export async function createLeaderElector(config: LeaderElectionConfig, target: LeaderElectionTarget): Promise<LeaderElector> {
  const leaseName = leaseNameFor(config, target.service);
  let store: LeaseStore;
  if (config.LEADER_ELECTION === 'kubernetes') {
    store = await KubernetesLeaseStore.connect({
      leaseName,
      ...(config.LEADER_ELECTION_NAMESPACE !== undefined ? { namespace: config.LEADER_ELECTION_NAMESPACE } : {}),
      ...(config.LEADER_ELECTION_KUBECONFIG !== undefined ? { kubeconfigPath: config.LEADER_ELECTION_KUBECONFIG } : {}),
    });
  } else {
    store = await DatabaseLeaseStore.open(target.databaseUrl, leaseName, target.migrationsTableName);
  }
  return new LeaseElector({
    store,
    leaseName,
    timings: leaderElectionTimings(config),
    identity: target.identity ?? config.LEADER_ELECTION_IDENTITY ?? defaultHolderIdentity({}),
    ...(target.logger !== undefined ? { logger: target.logger } : {}),
  });
}
