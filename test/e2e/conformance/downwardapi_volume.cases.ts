// Upstream's test/e2e/common/storage/downwardapi_volume.go, case by case (see docs/conformance.md).
import { describe } from 'node:test';
import { conformanceCluster } from './framework.ts';
import { downwardAPIVolumeCases } from './storage_support.ts';

const D = '[sig-storage] Downward API volume';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  downwardAPIVolumeCases(D, f, { modes: false, updates: false });
});
