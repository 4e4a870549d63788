// The public face of the kubelet's volume handling.

export { VolumeManager, VolumeMountError, pluginOf, type VolumeManagerOptions, type VolumeFailure, type EmptyDirUsage } from './manager.ts';
export {
  isNotFoundError,
  type VolumeObjectSource,
  type TokenRequestOptions,
  type IssuedToken,
  type MountedVolume,
} from './types.ts';
export { makePodDataDirs, cleanupPodDataDirs, podDir, podVolumesDir, podContainerDir, etcHostsPath, volumeDir } from './paths.ts';
export { createMounter, type Mounter } from './mounter.ts';
export { writeAtomic, type Payload, type FileProjection } from './atomic_writer.ts';
export { containerMounts, makeContainerMounts, type ContainerMountExtras, type MakeContainerMountsOptions } from './mounts.ts';
export type { SubPathBind } from './subpath.ts';
export { writeEtcHosts, managedHostsFileContent, nodeHostsFileContent, podHostnameAndDomain } from './etc_hosts.ts';
export { terminationLogPath, createTerminationLogFile, readTerminationMessage } from './termination.ts';
export { checkHostPathType } from './hostpath.ts';
export { containerResourceValue } from './downward.ts';
export { ServiceAccountTokenManager, tokenNeedsRefresh } from './token.ts';
