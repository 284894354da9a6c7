import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostCleanup } from './host-cleanup.ts';

test("the runbooks' host clean-up, in an order that works: reset and stop the kubelet before removing its files", () => {
  const cleanup = hostCleanup('k8s-node1', { address: '192.168.31.3' });
  const commands = cleanup.steps.flatMap((s) => s.commands);
  for (const wanted of ['kubeadm reset -f', 'rm -rf /var/lib/kubelet/*', 'rm -rf /etc/kubernetes/*', 'rm -rf /etc/cni/net.d/*', 'rm -rf /var/log/pods /var/log/containers', 'iptables -F', 'iptables -t nat -F', 'iptables -t mangle -F', 'iptables -t raw -F', 'ipvsadm --clear']) {
    assert.ok(commands.includes(wanted), wanted);
  }
  assert.ok(commands.indexOf('systemctl stop kubelet') < commands.indexOf('rm -rf /var/lib/kubelet/*'));
  assert.ok(commands.indexOf('hostname') === 0, 'first check the host');
  assert.match(cleanup.notes.join('\n'), /monitoring/);
  assert.doesNotMatch(cleanup.notes.join('\n'), /etcd/);
  assert.match(hostCleanup('m1', { controlPlane: true }).notes[0], /etcdctl member list/);
});
