import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../src/api/validation/field.ts';
import { strategyFor } from '../../../src/apiserver/registry/strategies/index.ts';
import { defaultImagePullPolicy } from '../../../src/api/pod/defaults.ts';
import { podQOSClass } from '../../../src/api/pod/qos.ts';

const pods = strategyFor('', 'pods');

function created(spec: any): any {
  const pod: any = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec };
  pods.prepareForCreate!(pod);
  return pod;
}

function errors(spec: any): string[] {
  return pods.validate!(created(spec)).map(fieldErrorMessage);
}

test('pod spec defaults as upstream', () => {
  const pod = created({ containers: [{ name: 'c', image: 'busybox:1.36', ports: [{ containerPort: 80 }] }], status: { phase: 'Running' } });
  assert.equal(pod.spec.restartPolicy, 'Always');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
  assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(pod.spec.schedulerName, 'default-scheduler');
  assert.deepEqual(pod.spec.securityContext, {});
  assert.equal(pod.spec.enableServiceLinks, true);
  const c = pod.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(c.resources, {});
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('image pull policy follows the tag', () => {
  assert.equal(defaultImagePullPolicy('nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultImagePullPolicy('localhost:5000/nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('localhost:5000/nginx:1.2'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('probe, handler and volume defaults; requests from limits', () => {
  const pod = created({
    containers: [
      {
        name: 'c',
        image: 'x:1',
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { grpc: { port: 9000 } },
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
      },
    ],
    volumes: [{ name: 'a' }, { name: 's', secret: { secretName: 's' } }, { name: 'h', hostPath: { path: '/x' } }],
    terminationGracePeriodSeconds: -5,
  });
  const c = pod.spec.containers[0];
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.readinessProbe.grpc.service, '');
  assert.deepEqual(c.resources.requests, { cpu: '100m', memory: '128Mi' });
  assert.deepEqual(pod.spec.volumes[0], { name: 'a', emptyDir: {} });
  assert.equal(pod.spec.volumes[1].secret.defaultMode, 420);
  assert.equal(pod.spec.volumes[2].hostPath.type, '');
  assert.equal(pod.spec.terminationGracePeriodSeconds, 1);
  assert.equal(pod.status.qosClass, 'Burstable');
});

test('QoS classes', () => {
  const spec = (res: any) => ({ containers: [{ resources: res }] });
  assert.equal(podQOSClass(spec({})), 'BestEffort');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } })), 'Guaranteed');
  assert.equal(podQOSClass(spec({ requests: { cpu: '1' } })), 'Burstable');
  assert.equal(podQOSClass(spec({ limits: { cpu: '1' } })), 'Burstable');
});

test('a valid pod has no errors', () => {
  assert.deepEqual(
    errors({
      containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }], volumeMounts: [{ name: 'data', mountPath: '/data' }], env: [{ name: 'A', value: '1' }] }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      volumes: [{ name: 'data', emptyDir: {} }],
      activeDeadlineSeconds: 10,
    }),
    [],
  );
});

test('required fields and names', () => {
  assert.deepEqual(errors({}), ['spec.containers: Required value']);
  assert.deepEqual(errors({ containers: [{ image: 'x' }] }), ['spec.containers[0].name: Required value']);
  assert.deepEqual(errors({ containers: [{ name: 'c' }] }), ['spec.containers[0].image: Required value']);
  const bad = errors({ containers: [{ name: 'Web', image: 'x' }] });
  assert.equal(bad.length, 1);
  assert.match(bad[0], /^spec\.containers\[0\]\.name: Invalid value: "Web": a lowercase RFC 1123 label/);
  assert.deepEqual(errors({ containers: [{ name: 'a', image: 'x' }], initContainers: [{ name: 'a', image: 'x' }] }), ['spec.containers[0].name: Duplicate value: "a"']);
  assert.deepEqual(errors({ containers: [{ name: 'a', image: ' x' }] }), ['spec.containers[0].image: Invalid value: " x": must not have leading or trailing whitespace']);
});

test('ports', () => {
  assert.deepEqual(
    errors({ containers: [{ name: 'a', image: 'x', ports: [{ name: 'http', containerPort: 70000 }, { name: 'http', containerPort: 80, protocol: 'ICMP' }] }] }),
    [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].name: Duplicate value: "http"',
      'spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    ],
  );
});

test('enums give NotSupported errors', () => {
  assert.deepEqual(errors({ containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Sometimes' }], restartPolicy: 'Maybe', dnsPolicy: 'Any' }), [
    'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    'spec.restartPolicy: Unsupported value: "Maybe": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Any": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
});

test('volumes and mounts', () => {
  assert.deepEqual(
    errors({
      containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/m' }, { name: 'v', mountPath: '/m' }] }],
      volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/' } }, { name: 'v', configMap: { name: 'c' } }],
    }),
    [
      'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type',
      'spec.volumes[1].name: Duplicate value: "v"',
      'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/m": must be unique',
    ],
  );
});

test('env, resources and deadlines', () => {
  assert.deepEqual(
    errors({
      containers: [
        {
          name: 'a',
          image: 'x',
          env: [{ name: '' }, { name: 'B=C' }, { name: 'D', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { requests: { cpu: '2', memory: 'lots' }, limits: { cpu: '1' } },
        },
      ],
      activeDeadlineSeconds: 0,
    }),
    [
      'spec.containers[0].env[0].name: Required value',
      "spec.containers[0].env[1].name: Invalid value: \"B=C\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      "spec.containers[0].resources.requests[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ],
  );
});

test('probes', () => {
  assert.deepEqual(
    errors({
      containers: [
        {
          name: 'a',
          image: 'x',
          livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 },
          readinessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 } },
          startupProbe: { periodSeconds: 1 },
        },
      ],
      initContainers: [{ name: 'i', image: 'x', readinessProbe: { exec: { command: ['true'] } } }],
    }),
    [
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe.httpGet: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].startupProbe: Required value: must specify a handler type',
    ],
  );
});

test('tolerations', () => {
  assert.deepEqual(
    errors({
      containers: [{ name: 'a', image: 'x' }],
      tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }, { operator: 'Equal' }, { key: 'k', tolerationSeconds: 5, effect: 'NoSchedule' }],
    }),
    [
      "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
      'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ],
  );
});

test('field selector values', () => {
  const pod = created({ containers: [{ name: 'a', image: 'x' }], nodeName: 'n1', hostNetwork: true, serviceAccountName: 'sa' });
  pod.status.podIPs = [{ ip: '10.0.0.5' }];
  assert.deepEqual(pods.fields!(pod), {
    'spec.nodeName': 'n1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'sa',
    'spec.hostNetwork': 'true',
    'status.phase': 'Pending',
    'status.podIP': '10.0.0.5',
    'status.nominatedNodeName': '',
  });
  assert.equal(pods.fields!({ metadata: {} })['spec.hostNetwork'], 'false');
});
