// Pod sources and their merge: the public face of src/kubelet/config.
export * from './types.ts';
export { PodConfig, rfc3339Nano, type PodChange, type PodConfigOptions, type PodOperation } from './pod_config.ts';
export { watchFileSource, decodeManifestFile, ManifestDirReader, type FileSourceOptions } from './file_source.ts';
export { watchHttpSource, parseManifestUrlHeaders, decodeManifestBody, type HttpSourceOptions, type ManifestHeaders } from './http_source.ts';
export { watchApiSource, type ApiSourceOptions, type PodListWatch, type PodWatchEvent } from './api_source.ts';
export { kubeClientPodListWatch } from './api_client.ts';
export { prepareStaticPod, apiObjectReferences, staticPodName, staticPodUID, type StaticPodContext } from './static_pod.ts';
