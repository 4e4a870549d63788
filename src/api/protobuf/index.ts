// Kubernetes protobuf request bodies: decoding into the objects' JSON form.
export { decodeProtobufObject, protobufMediaType, type GroupVersionKind } from './decode.ts';
