// The demo workload of `npm start` (`berth up --demo`): a static pod serving a web page from the
// manifests directory, and a pod created through the API that logs a line every few seconds.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../api/core/index.ts';
import { isStatusError } from '../api/errors.ts';
import type { Cluster } from './up.ts';

const image = 'localhost/busybox:1.35';

export const demoStaticPod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'demo-web', labels: { app: 'demo-web' } },
  spec: {
    containers: [
      {
        name: 'httpd',
        image,
        command: ['sh', '-c', 'echo "<h1>Hello from Berth</h1>" > /var/www/index.html && exec httpd -f -v -p 8080 -h /var/www'],
        ports: [{ containerPort: 8080, name: 'http' }],
      },
    ],
  },
};

export const demoPod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'hello', namespace: 'default', labels: { app: 'hello' } },
  spec: {
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'ticker', image, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do echo "hello from $(hostname) at $(date)"; sleep 5; done'] }],
  },
};

export async function installDemo(cluster: Cluster): Promise<void> {
  await writeFile(join(cluster.manifestsDir, 'demo-web.json'), JSON.stringify(demoStaticPod, null, 2));
  try {
    await cluster.apiserver.clients.pods.create('default', structuredClone(demoPod));
  } catch (e) {
    if (!isStatusError(e, 'AlreadyExists')) throw e;
  }
}
