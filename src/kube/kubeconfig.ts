// Which kubeconfig, which context, which namespace: the rules kubectl follows, with one-line errors.
//
//   --kubeconfig FILE   that file only (it must exist)
//   $KUBECONFIG         a list of files (':' separated), merged: the first file to set a name or the
//                       current-context wins; files that do not exist are skipped
//   ~/.kube/config      when neither is given
//   in-cluster          the pod's service account, when none of the above exists
// --context picks a context (default: current-context); the namespace is -n, else the context's, else "default".

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { KubeconfigError } from './errors.ts';

export interface KubeconfigOptions {
  /** --kubeconfig */
  kubeconfig?: string;
  /** --context */
  context?: string;
  /** -n / --namespace */
  namespace?: string;
  /** for tests: defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** for tests: defaults to os.homedir() */
  home?: string;
  /** for tests: prefix of /var/run/secrets/kubernetes.io/serviceaccount */
  inClusterRoot?: string;
}

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** the files read, in precedence order; empty in-cluster */
  files: string[];
  contextName: string;
  cluster: Cluster;
  user: User;
  namespace: string;
  /** the API server URL, without a trailing slash */
  server: string;
  inCluster: boolean;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where the configuration comes from, before anything is read. */
export function kubeconfigFiles(options: KubeconfigOptions): { files: string[]; source: 'flag' | 'env' | 'home' } {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return { files: [options.kubeconfig], source: 'flag' };
  if (env.KUBECONFIG) {
    const files = [...new Set(env.KUBECONFIG.split(delimiter).filter(Boolean))];
    if (files.length > 0) return { files, source: 'env' };
  }
  return { files: [join(options.home ?? homedir(), '.kube', 'config')], source: 'home' };
}

function readKubeconfigFile(file: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new KubeconfigError(`cannot read kubeconfig "${file}": ${why}`);
  }
  const kc = new KubeConfig();
  if (text.trim() === '') return kc;
  try {
    kc.loadFromString(text);
  } catch (error) {
    const e = error as { name?: string; reason?: string; mark?: { line?: number }; message?: string };
    if (e.name === 'YAMLException') {
      const line = e.mark?.line !== undefined ? ` at line ${e.mark.line + 1}` : '';
      throw new KubeconfigError(`kubeconfig "${file}" is not valid YAML${line}: ${e.reason ?? firstLine(e.message)}`);
    }
    throw new KubeconfigError(`kubeconfig "${file}" is invalid: ${firstLine(e.message)}`);
  }
  // relative certificate and key paths are relative to the file that names them, as in kubectl
  kc.makePathsAbsolute(dirname(file));
  return kc;
}

function firstLine(message: string | undefined): string {
  return (message ?? 'unknown error').split('\n')[0].trim();
}

/** kubectl's merge: never change a value once set; the first file to set current-context wins. */
function merge(configs: KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const kc of configs) {
    for (const cluster of kc.getClusters() ?? []) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of kc.getUsers() ?? []) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of kc.getContexts() ?? []) if (!contexts.has(context.name)) contexts.set(context.name, context);
    if (!currentContext && kc.getCurrentContext()) currentContext = kc.getCurrentContext();
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return merged;
}

function inClusterConfig(options: KubeconfigOptions): KubeConfig | undefined {
  const env = options.env ?? process.env;
  const root = options.inClusterRoot ?? '';
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return undefined;
  if (!existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) return undefined;
  const kc = new KubeConfig();
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  // client-node reads these from process.env only
  process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
  process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
  try {
    kc.loadFromCluster(root);
  } finally {
    restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
    restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
  }
  for (const context of kc.getContexts()) {
    if (context.namespace) (context as { namespace?: string }).namespace = context.namespace.trim();
  }
  return kc;
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function available(kc: KubeConfig): string {
  const names = (kc.getContexts() ?? []).map((c) => c.name);
  return names.length > 0 ? `available: ${names.join(', ')}` : 'it has no contexts';
}

export function loadKubeconfig(options: KubeconfigOptions = {}): LoadedKubeconfig {
  const { files, source } = kubeconfigFiles(options);
  const present = source === 'flag' ? files : files.filter((file) => existsSync(file));
  let kc: KubeConfig;
  let inCluster = false;
  if (source === 'flag' && !existsSync(files[0])) {
    throw new KubeconfigError(`kubeconfig "${files[0]}" not found (from --kubeconfig)`);
  }
  if (present.length > 0) {
    kc = present.length === 1 ? readKubeconfigFile(present[0]) : merge(present.map(readKubeconfigFile));
  } else {
    const fromCluster = inClusterConfig(options);
    if (!fromCluster) {
      const where = source === 'env' ? `none of the files in KUBECONFIG exist (${files.join(delimiter)})` : `${files[0]} does not exist`;
      throw new KubeconfigError(`no kubeconfig: ${where}; pass --kubeconfig, set KUBECONFIG, or run inside a cluster`);
    }
    kc = fromCluster;
    inCluster = true;
  }
  const label = inCluster ? 'the in-cluster configuration' : present.length === 1 ? `kubeconfig "${present[0]}"` : `the kubeconfig files ${present.join(delimiter)}`;

  const contextName = options.context || kc.getCurrentContext();
  if (!contextName) throw new KubeconfigError(`${label} has no current-context; pass --context (${available(kc)})`);
  const context = kc.getContextObject(contextName);
  if (!context) throw new KubeconfigError(`context "${contextName}" not found in ${label} (${available(kc)})`);
  kc.setCurrentContext(contextName);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) throw new KubeconfigError(`context "${contextName}" refers to cluster "${context.cluster}", which is not in ${label}`);
  if (!cluster.server) throw new KubeconfigError(`cluster "${cluster.name}" in ${label} has no server`);
  let user = context.user ? kc.getUser(context.user) : null;
  if (context.user && !user) throw new KubeconfigError(`context "${contextName}" refers to user "${context.user}", which is not in ${label}`);
  if (!user) {
    // client-node applies no TLS settings at all without a user; an anonymous user keeps the cluster CA in force
    user = { name: `${contextName}-anonymous` };
    kc.loadFromOptions({
      clusters: kc.getClusters(),
      users: [...kc.getUsers(), user],
      contexts: kc.getContexts().map((c) => (c.name === contextName ? { ...c, user: user!.name } : c)),
      currentContext: contextName,
    });
  }
  const namespace = options.namespace || context.namespace || 'default';
  return { kubeConfig: kc, files: inCluster ? [] : present, contextName, cluster, user, namespace, server: cluster.server.replace(/\/+$/, ''), inCluster };
}
