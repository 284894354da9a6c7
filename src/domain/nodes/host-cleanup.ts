// What is left to do on a node's host once its Node object is deleted, from the seed runbooks (002/004 §1.2
// "删除节点" and §1.3 "清理节点"): reset kubeadm's state, remove what kubeadm reset leaves (CNI configuration,
// pod and container logs, iptables and IPVS rules, kubeconfig files), and take the host out of monitoring.
// kmaint cannot reach the host, so it prints these for the operator to run there.

export interface CleanupStep {
  /** shell commands, run as root on the removed node's host */
  commands: string[];
  /** why, in one line */
  why: string;
}

export interface HostCleanup {
  node: string;
  /** the host's InternalIP, to find it (ssh) */
  address?: string;
  steps: CleanupStep[];
  /** what cannot be a command: monitoring, re-joining */
  notes: string[];
}

export function hostCleanup(node: string, options: { address?: string; controlPlane?: boolean } = {}): HostCleanup {
  const steps: CleanupStep[] = [
    { commands: ['hostname'], why: `check that this is ${node} before deleting anything (the runbooks: 操作前请确认节点名称)` },
    {
      commands: ['kubeadm reset -f'],
      why: 'stops the kubelet, unmounts /var/lib/kubelet, deletes /etc/kubernetes/{manifests,pki} and the kubeconfig files kubeadm wrote (-f: no question)' +
        (options.controlPlane ? '; on a control-plane node it also removes the local etcd member data' : ''),
    },
    { commands: ['systemctl stop kubelet'], why: 'make sure the kubelet no longer runs (and cannot re-register the node)' },
    { commands: ['rm -rf /var/lib/kubelet/*'], why: "the kubelet's state: pod volumes, plugins, checkpoints" },
    { commands: ['rm -rf /etc/kubernetes/*'], why: 'cluster configuration and certificates' },
    { commands: ['rm -rf /etc/cni/net.d/*'], why: 'container network configuration: kubeadm reset does not clean it' },
    { commands: ['rm -rf /var/log/pods /var/log/containers'], why: 'pod and container logs' },
    {
      commands: ['iptables -F', 'iptables -t nat -F', 'iptables -t mangle -F', 'iptables -t raw -F'],
      why: 'flush the rules kube-proxy and the CNI installed: kubeadm reset does not reset iptables',
    },
    { commands: ['ipvsadm --clear'], why: 'only if kube-proxy ran in IPVS mode: clears the IPVS tables' },
    { commands: ['rm -f $HOME/.kube/config'], why: 'kubeadm reset leaves kubeconfig files; check it before removing it' },
    { commands: ['reboot'], why: 'optional: brings every system component back to a clean state' },
  ];
  const notes = [
    `remove ${node} from your monitoring (Prometheus targets, alerts) if it was monitored`,
    'to add the host again later: run `kmaint node join-command` here and the printed kubeadm join on the host',
  ];
  if (options.controlPlane) notes.unshift('a control-plane node was an etcd member: check `etcdctl member list` and remove its member if kubeadm reset did not');
  return { node, address: options.address, steps, notes };
}
