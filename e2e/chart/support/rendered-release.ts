import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@stackyard/testing';

/**
 * The parts of rendered Kubernetes objects the chart-driven e2e test executes: a pod template's
 * containers (command, args, env, mounts, probes), its volumes, and the Secrets, ConfigMaps and
 * Services they refer to. Anything the manifests use that this file does not know fails the test
 * loudly instead of being skipped, so a chart change cannot silently escape the test.
 */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: unknown;
  };
}

export interface EnvFromSource {
  prefix?: string;
  secretRef?: { name: string; optional?: boolean };
  configMapRef?: { name: string; optional?: boolean };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  exec?: { command: string[] };
  tcpSocket?: unknown;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface Volume {
  name: string;
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  emptyDir?: Record<string, unknown>;
  [other: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

export interface Workload {
  kind: 'Deployment' | 'Job';
  name: string;
  /** `app.kubernetes.io/component` of the pod template, e.g. `api`. */
  component: string | undefined;
  podLabels: Record<string, string>;
  pod: PodSpec;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

export interface KubeService {
  name: string;
  selector: Record<string, string>;
  ports: ServicePort[];
}

/** A Secret or ConfigMap as the test supplies it (plain strings, as `stringData`). */
export interface SuppliedObject {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  data: Record<string, string>;
}

/** What a pod knows about itself through the downward API (`fieldRef`). */
export interface PodFacts {
  podName: string;
  namespace: string;
  podIp: string;
  nodeName: string;
  serviceAccountName?: string;
}

/** Everything one container process needs, translated from the manifest to this machine. */
export interface LaunchSpec {
  workload: string;
  container: string;
  /** The executable (the image's `node` is this test's Node). */
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Named container ports, for probes and for checking the Services. */
  ports: Map<string, number>;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  /** Where each `mountPath` of the manifest lives on this machine. */
  mounts: Map<string, string>;
}

type Translate = (value: string) => string;

export class RenderedRelease {
  readonly workloads: Workload[];
  readonly services: KubeService[];
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly configMaps = new Map<string, Record<string, string>>();

  constructor(manifests: Manifest[], supplied: SuppliedObject[]) {
    for (const object of supplied) (object.kind === 'Secret' ? this.secrets : this.configMaps).set(object.name, object.data);
    this.workloads = [];
    this.services = [];
    for (const m of manifests) {
      const body = m as unknown as Record<string, unknown>;
      switch (m.kind) {
        case 'Secret': {
          const data = Object.fromEntries(Object.entries((body.data as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
          this.secrets.set(m.metadata.name, { ...data, ...((body.stringData as Record<string, string> | undefined) ?? {}) });
          break;
        }
        case 'ConfigMap':
          this.configMaps.set(m.metadata.name, (body.data as Record<string, string> | undefined) ?? {});
          break;
        case 'Deployment':
        case 'Job': {
          const template = (body.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }).template;
          const labels = template.metadata?.labels ?? {};
          this.workloads.push({ kind: m.kind, name: m.metadata.name, component: labels['app.kubernetes.io/component'], podLabels: labels, pod: template.spec });
          break;
        }
        case 'Service': {
          const spec = body.spec as { selector?: Record<string, string>; ports?: ServicePort[] };
          this.services.push({ name: m.metadata.name, selector: spec.selector ?? {}, ports: spec.ports ?? [] });
          break;
        }
        default:
          break;
      }
    }
  }

  workload(kind: Workload['kind'], name: string): Workload {
    const found = this.workloads.find((w) => w.kind === kind && w.name === name);
    if (!found) throw new Error(`the rendered chart has no ${kind} ${name} (it has: ${this.workloads.map((w) => `${w.kind}/${w.name}`).join(', ')})`);
    return found;
  }

  /** Value of one key of a rendered or supplied Secret (e.g. the generated bootstrap token). */
  secretValue(name: string, key: string): string {
    const value = this.secrets.get(name)?.[key];
    if (value === undefined) throw new Error(`Secret ${name} has no key ${key}`);
    return value;
  }

  /**
   * Writes the pod's volumes under `podDir` (Secret/ConfigMap items as files, emptyDirs as empty
   * directories) and turns each container into a process description: `mountPath` prefixes and
   * the image's `/app` become local directories, `node` becomes this test's Node, env is resolved
   * as the kubelet resolves it.
   */
  materialize(workload: Workload, podDir: string, facts: PodFacts, image: { appDir: string; localAppDir: string; env: Record<string, string> }): { init: LaunchSpec[]; main: LaunchSpec[] } {
    const volumeDirs = new Map<string, string>();
    for (const volume of workload.pod.volumes ?? []) volumeDirs.set(volume.name, this.writeVolume(volume, join(podDir, 'volumes', volume.name)));
    const one = (container: Container): LaunchSpec => this.container(workload, container, volumeDirs, facts, image);
    return { init: (workload.pod.initContainers ?? []).map(one), main: workload.pod.containers.map(one) };
  }

  private writeVolume(volume: Volume, dir: string): string {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const source = volume.secret
      ? { kind: 'Secret', name: volume.secret.secretName, data: this.secrets.get(volume.secret.secretName), spec: volume.secret }
      : volume.configMap
        ? { kind: 'ConfigMap', name: volume.configMap.name, data: this.configMaps.get(volume.configMap.name), spec: volume.configMap }
        : undefined;
    if (!source) {
      if (volume.emptyDir) return dir;
      throw new Error(`volume ${volume.name}: only secret, configMap and emptyDir volumes are supported here (got ${Object.keys(volume).join(', ')})`);
    }
    if (!source.data) {
      // The kubelet would keep the pod in ContainerCreating; an optional source mounts empty.
      if (source.spec.optional) return dir;
      throw new Error(`volume ${volume.name} needs ${source.kind} ${source.name}, which neither the chart nor the test provides`);
    }
    const data = source.data;
    const items: KeyToPath[] = source.spec.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) {
      const content = data[item.key];
      if (content === undefined) throw new Error(`volume ${volume.name}: ${source.kind} ${source.name} has no key ${item.key}`);
      const file = join(dir, item.path);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, content);
      // The mode the kubelet would give the file, with the owner able to read it (we are not fsGroup).
      chmodSync(file, (item.mode ?? source.spec.defaultMode ?? 0o644) | 0o400);
    }
    return dir;
  }

  private container(
    workload: Workload,
    container: Container,
    volumeDirs: Map<string, string>,
    facts: PodFacts,
    image: { appDir: string; localAppDir: string; env: Record<string, string> },
  ): LaunchSpec {
    const where = `${workload.kind}/${workload.name} container ${container.name}`;
    if (!container.command?.length) throw new Error(`${where} has no command: the chart must say what runs, not rely on the image's CMD`);
    const mounts = new Map<string, string>();
    for (const mount of container.volumeMounts ?? []) {
      const dir = volumeDirs.get(mount.name);
      if (!dir) throw new Error(`${where} mounts volume ${mount.name}, which the pod does not define`);
      if (mount.subPath) throw new Error(`${where}: subPath mounts are not supported here`);
      mounts.set(mount.mountPath, dir);
    }
    // Longest prefix first, so /etc/stackyard/tls/internal wins over a mount at /etc/stackyard.
    const prefixes = [...mounts.entries(), [image.appDir, image.localAppDir] as [string, string]].sort((a, b) => b[0].length - a[0].length);
    const translate: Translate = (value) => translatePaths(value, prefixes);

    const env: Record<string, string> = { ...image.env };
    const declared: Record<string, string> = {};
    const set = (name: string, value: string) => {
      env[name] = value;
      declared[name] = value;
    };
    for (const source of container.envFrom ?? []) {
      const data = source.secretRef ? this.secrets.get(source.secretRef.name) : source.configMapRef ? this.configMaps.get(source.configMapRef.name) : undefined;
      const ref = source.secretRef ?? source.configMapRef;
      if (!data) {
        if (ref?.optional) continue;
        throw new Error(`${where}: envFrom ${JSON.stringify(source)} names an object that does not exist`);
      }
      for (const [key, value] of Object.entries(data)) set(`${source.prefix ?? ''}${key}`, value);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom) {
        const resolved = this.valueFrom(variable, facts, where);
        if (resolved !== undefined) set(variable.name, resolved);
      } else {
        // `$(VAR)` refers to variables declared before this one (Kubernetes' dependent variables).
        set(variable.name, expand(variable.value ?? '', declared));
      }
    }
    for (const [name, value] of Object.entries(env)) env[name] = translate(value);

    const ports = new Map<string, number>();
    for (const port of container.ports ?? []) if (port.name) ports.set(port.name, port.containerPort);
    const [command, ...commandArgs] = container.command.map((part) => translate(expand(part, declared)));
    return {
      workload: `${workload.kind}/${workload.name}`,
      container: container.name,
      executable: imageExecutable(command, where),
      args: [...commandArgs, ...(container.args ?? []).map((part) => translate(expand(part, declared)))],
      cwd: translate(container.workingDir ?? image.appDir),
      env,
      ports,
      readinessProbe: translateProbe(container.readinessProbe, translate),
      startupProbe: translateProbe(container.startupProbe, translate),
      mounts,
    };
  }

  private valueFrom(variable: EnvVar, facts: PodFacts, where: string): string | undefined {
    const from = variable.valueFrom!;
    const keyRef = from.secretKeyRef ?? from.configMapKeyRef;
    if (keyRef) {
      const kind = from.secretKeyRef ? 'Secret' : 'ConfigMap';
      const value = (from.secretKeyRef ? this.secrets : this.configMaps).get(keyRef.name)?.[keyRef.key];
      if (value === undefined && !keyRef.optional) throw new Error(`${where}: env ${variable.name} needs key ${keyRef.key} of ${kind} ${keyRef.name}, which does not exist`);
      return value;
    }
    if (from.fieldRef) {
      const fields: Record<string, string | undefined> = {
        'metadata.name': facts.podName,
        'metadata.namespace': facts.namespace,
        'status.podIP': facts.podIp,
        'status.podIPs': facts.podIp,
        'status.hostIP': facts.podIp,
        'spec.nodeName': facts.nodeName,
        'spec.serviceAccountName': facts.serviceAccountName,
      };
      const value = fields[from.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`${where}: env ${variable.name} uses fieldRef ${from.fieldRef.fieldPath}, which this test does not provide`);
      return value;
    }
    throw new Error(`${where}: env ${variable.name} has an unsupported valueFrom ${JSON.stringify(from)}`);
  }
}

/**
 * Kubernetes' `$(VAR)` expansion: a reference to a declared variable is replaced, `$$` escapes
 * a `$`, and a reference to an unknown variable stays as written.
 */
export function expand(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && name in vars ? vars[name] : match;
  });
}

/** Replaces a container path (an exact mountPath, or one followed by `/…`) at the start of a value or after `=`. */
export function translatePaths(value: string, prefixes: [string, string][]): string {
  for (const [from, to] of prefixes) {
    const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(^|=)${escaped}(?=/|$)`, 'g');
    if (pattern.test(value)) return value.replace(pattern, (_m, lead: string) => `${lead}${to}`);
  }
  return value;
}

function translateProbe(probe: Probe | undefined, translate: Translate): Probe | undefined {
  if (!probe) return undefined;
  if (probe.tcpSocket) throw new Error('tcpSocket probes are not supported here');
  return probe.exec ? { ...probe, exec: { command: probe.exec.command.map(translate) } } : probe;
}

/** The image has Node on its PATH as `node`; here that is the Node running this test. */
function imageExecutable(command: string, where: string): string {
  if (command === 'node') return process.execPath;
  throw new Error(`${where} runs ${command}; this test only knows the image's \`node\``);
}
