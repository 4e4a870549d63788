// Upstream's test/e2e/common/storage/projected_downwardapi.go, case by case (see docs/conformance.md).
import { describe } from 'node:test';
import { conformanceCluster } from './framework.ts';
import { downwardAPIVolumeCases } from './storage_support.ts';

const D = '[sig-storage] Projected downwardAPI';

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  // As upstream, the mode and update cases use a projected volume; podname only and the resource
  // cases use upstream's plain downwardAPI pod builders (downwardAPIVolumePodForSimpleTest & co.).
  downwardAPIVolumeCases(D, f, { modes: true, updates: true });
});
