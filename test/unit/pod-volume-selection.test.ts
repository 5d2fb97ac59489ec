import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1Pod, V1Volume } from "@kubernetes/client-node";
import { podVolumesToBackUp, podVolumeUnusable } from "../../src/volumes/pod-volume-selection.js";

const VOLUMES: V1Volume[] = [
  { name: "data", persistentVolumeClaim: { claimName: "data" } },
  { name: "cache", emptyDir: {} },
  { name: "logs", persistentVolumeClaim: { claimName: "logs" } },
  { name: "host", hostPath: { path: "/var/log" } },
  { name: "creds", secret: { secretName: "s" } },
  { name: "settings", configMap: { name: "c" } },
  { name: "token", projected: { sources: [] } },
  { name: "info", downwardAPI: {} },
  { name: "default-token-abcde", emptyDir: {} },
];

function pod(annotations: Record<string, string> = {}, mounted = VOLUMES.map((v) => v.name)): V1Pod {
  return {
    metadata: { namespace: "app", name: "web-0", annotations },
    spec: {
      containers: [{ name: "web", volumeMounts: mounted.map((name) => ({ name, mountPath: `/${name}` })) }],
      volumes: VOLUMES,
    },
  };
}

test("opt-in: only the volumes the pod names, in the annotation's order, once each", () => {
  assert.deepEqual(podVolumesToBackUp(pod({ "backup.velero.io/backup-volumes": "logs, data,logs" }), false), {
    volumes: ["logs", "data"],
    optedOut: [],
  });
});

test("opt-in: a pod without the annotation has no volume backed up", () => {
  assert.deepEqual(podVolumesToBackUp(pod(), false), { volumes: [], optedOut: [] });
});

test("by default: every volume but the kinds whose data is not on the node or comes from the cluster", () => {
  assert.deepEqual(podVolumesToBackUp(pod(), true), { volumes: ["data", "cache", "logs"], optedOut: [] });
});

test("by default: the excludes annotation opts volumes out, and they are reported as opted out", () => {
  assert.deepEqual(
    podVolumesToBackUp(pod({ "backup.velero.io/backup-volumes-excludes": "logs,cache" }), true),
    { volumes: ["data"], optedOut: ["cache", "logs"] },
  );
});

test("a volume no container mounts is unusable, and says so", () => {
  assert.equal(
    podVolumeUnusable(pod({}, ["data"]), "cache"),
    "volume cache is declared in pod app/web-0 but not mounted by any container",
  );
});

test("a volume the pod does not declare and a hostPath volume are unusable; a mounted claim is usable", () => {
  assert.equal(podVolumeUnusable(pod(), "nope"), "pod app/web-0 has no volume named nope");
  assert.match(podVolumeUnusable(pod(), "host")!, /is a hostPath volume/);
  assert.equal(podVolumeUnusable(pod(), "data"), undefined);
});
