// What the type model does not carry: which fields are required, and short descriptions.
// Descriptions are Berth's own words; most fields have none.

/** Required JSON fields per client-node class, as upstream marks them. */
const required: Record<string, string[]> = {
  V1PodSpec: ['containers'],
  V1Container: ['name'],
  V1EphemeralContainer: ['name'],
  V1ContainerPort: ['containerPort'],
  V1EnvVar: ['name'],
  V1VolumeMount: ['name', 'mountPath'],
  V1VolumeDevice: ['name', 'devicePath'],
  V1Volume: ['name'],
  V1KeyToPath: ['key', 'path'],
  V1ConfigMapKeySelector: ['key'],
  V1SecretKeySelector: ['key'],
  V1ObjectFieldSelector: ['fieldPath'],
  V1ResourceFieldSelector: ['resource'],
  V1HTTPGetAction: ['port'],
  V1TCPSocketAction: ['port'],
  V1HTTPHeader: ['name', 'value'],
  V1HostPathVolumeSource: ['path'],
  V1PodCondition: ['type', 'status'],
  V1NodeCondition: ['type', 'status'],
  V1NamespaceCondition: ['type', 'status'],
  V1Condition: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  V1ContainerStatus: ['name', 'ready', 'restartCount', 'image', 'imageID'],
  V1NodeAddress: ['type', 'address'],
  V1Taint: ['key', 'effect'],
  V1OwnerReference: ['apiVersion', 'kind', 'name', 'uid'],
  V1LabelSelectorRequirement: ['key', 'operator'],
  V1NodeSelector: ['nodeSelectorTerms'],
  V1NodeSelectorRequirement: ['key', 'operator'],
  V1PodAffinityTerm: ['topologyKey'],
  V1WeightedPodAffinityTerm: ['weight', 'podAffinityTerm'],
  V1PreferredSchedulingTerm: ['weight', 'preference'],
  V1TopologySpreadConstraint: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  V1ServicePort: ['port'],
  V1EndpointAddress: ['ip'],
  CoreV1EndpointPort: ['port'],
  CoreV1Event: ['metadata', 'involvedObject'],
  V1EndpointSlice: ['addressType', 'endpoints'],
  V1Endpoint: ['addresses'],
  V1Binding: ['target'],
  V1SubjectAccessReview: ['spec'],
  AuthenticationV1TokenRequest: ['spec'],
  V1TokenRequestSpec: ['audiences'],
  V1TokenReview: ['spec'],
  V1DaemonEndpoint: ['Port'],
  V1APIResourceList: ['groupVersion', 'resources'],
  V1APIResource: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
  V1WatchEvent: ['type', 'object'],
  V1APIVersions: ['versions', 'serverAddressByClientCIDRs'],
  V1APIGroupList: ['groups'],
  V1APIGroup: ['name', 'versions'],
};

export function requiredFields(className: string, present: string[]): string[] {
  const fromTable = required[className] ?? (/List$/.test(className) ? ['items'] : []);
  return fromTable.filter((f) => present.includes(f));
}

/** Descriptions of fields that mean the same thing on every kind. */
const commonFields: Record<string, string> = {
  apiVersion: 'Group and version of the schema this object follows, such as "v1" or "coordination.k8s.io/v1".',
  kind: 'The type of this object, in CamelCase, such as "Pod".',
  metadata: 'Identity and bookkeeping shared by every object: name, namespace, labels, annotations, owners.',
  spec: 'The state the user asks for.',
  status: 'The state last observed by the system. Written by controllers and the kubelet, not by users.',
  items: 'The objects in this list.',
};

/** Descriptions of the kinds Berth serves, by schema short name. */
const kinds: Record<string, string> = {
  Pod: 'A set of containers that share a network namespace and volumes and are placed together on one node.',
  PodSpec: 'What a pod should run and how: its containers, volumes and placement.',
  Container: 'One container of a pod: its image, command, environment, ports, resources and probes.',
  Node: 'A machine that runs pods, as its kubelet reports it.',
  Namespace: 'A scope for names; most objects live in exactly one.',
  Service: 'A stable name and virtual address in front of a set of pods chosen by labels.',
  Endpoints: 'The addresses behind a service (the older, single-object form).',
  EndpointSlice: 'A slice of the addresses behind a service.',
  Secret: 'Small pieces of sensitive data, such as passwords or keys, kept apart from pod specs.',
  ConfigMap: 'Configuration data as key-value pairs that pods can read as files or environment.',
  ServiceAccount: 'An identity for processes that run in pods.',
  Event: 'A report that something happened to an object, such as a pod being scheduled.',
  Lease: 'A short-lived claim on a name, used for heartbeats and leader election.',
  LeaseSpec: 'Who holds the lease and for how long.',
  TokenReview: 'A question to the server: is this bearer token valid, and whose is it?',
  TokenRequest: 'A request for a token bound to a service account.',
  SubjectAccessReview: 'A question to the server: may this user do this action?',
  Binding: 'Ties a pod to a node; the scheduler creates these.',
  ObjectMeta: 'Data every persisted object carries.',
  ListMeta: 'Data every list carries, such as the resource version to resume from.',
  Status: 'The outcome of a call that does not return an object, such as an error.',
  DeleteOptions: 'Options of a delete request.',
  WatchEvent: 'One change seen by a watch.',
  Time: 'A point in time, in RFC 3339 form with seconds.',
  MicroTime: 'A point in time, in RFC 3339 form with microseconds.',
  Quantity: 'An amount written as a number with an optional suffix, such as "100m" or "1Gi".',
  IntOrString: 'A value that is either an integer or a string, such as a port number or a port name.',
  Patch: 'A patch body; its form depends on the Content-Type.',
};

export function fieldDescription(field: string): string {
  return commonFields[field] ?? '';
}

export function kindDescription(shortName: string): string {
  return kinds[shortName] ?? '';
}
