// Types several core/v1 kinds share (upstream's k8s.io/api/core/v1).

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A reference to an object of any kind (an event's involvedObject, an endpoint's targetRef). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}
