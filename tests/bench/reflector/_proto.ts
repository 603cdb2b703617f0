/**
 * Kubernetes' protobuf wire form of the benchmark's ConfigMaps, so that the client-go peer can be
 * measured as it runs against a real apiserver (generated clients ask for protobuf first).
 *
 * What the apiserver writes, per k8s.io/apimachinery's serializers:
 * - a list, or an object inside a watch event: `k8s\0` followed by a `runtime.Unknown` message
 *   (typeMeta, raw = the object's message, contentEncoding, contentType);
 * - a watch: each event a `metav1.WatchEvent` message without that prefix (the "raw" stream
 *   serializer), framed by a 4-byte big-endian length.
 *
 * Field numbers are those of k8s.io/api/core/v1/generated.proto and
 * k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto. Only what the benchmark's objects carry.
 */

import { concatBytes as concat } from "../../../core/_util.ts";

const enc = new TextEncoder();
const MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

type Bytes = Uint8Array<ArrayBuffer>;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A length-delimited field (wire type 2): a string, bytes or a nested message. */
function field(no: number, body: Bytes | string): Bytes {
  const b = typeof body === "string" ? enc.encode(body) : body;
  return concat([new Uint8Array([...varint((no << 3) | 2), ...varint(b.length)]), b]);
}

/** A varint field (wire type 0). */
function int(no: number, n: number): Bytes {
  return new Uint8Array([...varint(no << 3), ...varint(n)]);
}

/** A `map<string, string>`: one entry message (key = 1, value = 2) per pair. */
function map(no: number, m: Record<string, string> | undefined): Bytes[] {
  return Object.entries(m ?? {}).map(([k, v]) => field(no, concat([field(1, k), field(2, v)])));
}

/** `metav1.Time`: seconds since the epoch (the benchmark's times have no fraction). */
function time(iso: string): Bytes {
  return int(1, Math.floor(Date.parse(iso) / 1000));
}

interface ManagedFields {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: unknown;
}

/** The benchmark's ConfigMap shape, as server.ts builds it. */
export interface ConfigMapLike {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: ManagedFields[];
  };
  data?: Record<string, string>;
}

function managedFields(m: ManagedFields): Bytes {
  return concat([
    field(1, m.manager),
    field(2, m.operation),
    field(3, m.apiVersion),
    field(4, time(m.time)),
    field(6, m.fieldsType),
    field(7, field(1, JSON.stringify(m.fieldsV1))), // FieldsV1.Raw is the JSON form
  ]);
}

/** A `v1.ConfigMap` message (no prefix). */
export function configMap(cm: ConfigMapLike): Bytes {
  const m = cm.metadata;
  const meta = concat([
    field(1, m.name),
    field(3, m.namespace),
    field(5, m.uid),
    field(6, m.resourceVersion),
    field(8, time(m.creationTimestamp)),
    ...map(11, m.labels),
    ...map(12, m.annotations),
    ...(m.managedFields ?? []).map((f) => field(17, managedFields(f))),
  ]);
  return concat([field(1, meta), ...map(2, cm.data)]);
}

/** `k8s\0` + `runtime.Unknown{typeMeta: {v1, kind}, raw}`: what a list or embedded object is. */
export function envelope(kind: string, raw: Bytes): Bytes {
  const typeMeta = concat([field(1, "v1"), field(2, kind)]);
  return concat([MAGIC, field(1, typeMeta), field(2, raw), field(3, ""), field(4, "")]);
}

/** A `v1.ConfigMapList` in its envelope, from ConfigMap messages. */
export function configMapList(items: Bytes[], resourceVersion: string, cont?: string): Bytes {
  const listMeta = concat([field(2, resourceVersion), ...(cont ? [field(3, cont)] : [])]);
  return envelope("ConfigMapList", concat([field(1, listMeta), ...items.map((i) => field(2, i))]));
}

/** One watch event as the stream carries it: length, then `WatchEvent{type, object.raw}`. */
export function watchFrame(type: string, object: Bytes): Bytes {
  const event = concat([field(1, type), field(2, field(1, envelope("ConfigMap", object)))]);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, event.length);
  return concat([len, event]);
}
