// Which container instance `kubectl logs` reads, chosen from the pod's status as upstream's
// validateContainerLogStatus (pkg/kubelet/kubelet_pods.go) chooses it: with `previous` the one
// lastState.terminated names, else the running one, else the last that ran. The kubelet's server
// answers these errors with 400 and the message as its body.
import type { PodStatus } from '../../api/core/index.ts';

const badRequest = (message: string) => Object.assign(new Error(message), { code: 400 });

/** The runtime's ID of the container to read ("containerd://abc" gives "abc"); throws an Error with code 400. */
export function logContainerId(podName: string, status: Readonly<PodStatus> | undefined, container: string, previous: boolean): string {
  const cs = [status?.containerStatuses, status?.initContainerStatuses, status?.ephemeralContainerStatuses]
    .map((list) => list?.find((c) => c.name === container))
    .find((c) => c !== undefined);
  if (!cs) throw badRequest(`container "${container}" in pod "${podName}" is not available`);
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  let id: string;
  if (previous) {
    if (!last?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    id = last.containerID;
  } else if (running) {
    id = cs.containerID ?? '';
  } else if (terminated) {
    // When the next instance did not start, terminated names no container: the one before it is read.
    if (terminated.containerID) id = terminated.containerID;
    else if (last?.containerID) id = last.containerID;
    else throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
  } else if (last) {
    if (!last.containerID) throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
    id = last.containerID;
  } else if (waiting) {
    const why = waiting.reason === 'ErrImagePull' ? 'image can\'t be pulled'
      : waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image'
        : waiting.reason;
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${why}`);
  } else {
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
  }
  const sep = id.indexOf('://');
  if (sep < 0) throw badRequest(`invalid container ID: ${JSON.stringify(id)}`);
  return id.slice(sep + 3);
}
