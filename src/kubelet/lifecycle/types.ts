// What an admit handler answers (upstream's lifecycle.PodAdmitResult).
import type { Pod } from '../../api/core/index.ts';

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

/** One admission check (upstream's PodAdmitHandler): the pod, and the pods admitted before it that are still active. */
export type AdmitHandler = (pod: Pod, otherPods: Pod[]) => AdmitResult;
