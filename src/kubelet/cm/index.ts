// The container manager's public face: the cgroup values (pure), the files they become per cgroup
// version (pure), the cgroupfs driver that writes them, and the manager that keeps kubepods, the
// QoS cgroups and the pods' cgroups set.
export { milliCPUToQuota, milliCPUToShares, nodeAllocatableConfig, podLimits, podRequests, podResourceConfig, qosResourceConfigs, QUOTA_PERIOD, type PodCgroupSettings, type ResourceConfig } from './resources.ts';
export { cgroupFiles, cpuMax, cpuSharesToWeight, type CgroupFile, type CgroupVersion } from './files.ts';
export { allHierarchies, cgroupHierarchies, cgroupVersion, createCgroupfs, machinePidLimit, type Cgroupfs } from './cgroupfs.ts';
export { CGROUP_ROOT, ContainerManager, podCgroupParent, type ContainerManagerDeps, type PodCgroups } from './manager.ts';
