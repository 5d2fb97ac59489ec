import assert from "node:assert/strict";
import { test } from "node:test";
import { orderedItemRefs, parseOrderedResources } from "../../src/backup/ordered-items.js";
import type { ApiResource } from "../../src/kube/discovery.js";

const resource = (group: string, name: string, kind: string, namespaced: boolean): ApiResource => ({
  group,
  version: "v1",
  resource: name,
  kind,
  namespaced,
  verbs: ["get", "list"],
  shortNames: [],
  singularName: kind.toLowerCase(),
});
const PODS = resource("", "pods", "Pod", true);
const PVS = resource("", "persistentvolumes", "PersistentVolume", false);
const EVENTS = resource("", "events", "Event", true);
const NEW_EVENTS = resource("events.k8s.io", "events", "Event", true);
const RESOURCES = [PODS, PVS, EVENTS, NEW_EVENTS];

test("--ordered-resources parses as Velero's: ';' between resources, '=' before the items", () => {
  assert.deepEqual(parseOrderedResources("pods=ns1/pod1,ns1/pod2;persistentvolumes=pv4,pv8"), {
    pods: "ns1/pod1,ns1/pod2",
    persistentvolumes: "pv4,pv8",
  });
  assert.deepEqual(parseOrderedResources(" pods = a/b "), { pods: "a/b" });
  for (const bad of ["pods", "pods=a/b;", "=a/b", "pods=a=b"]) {
    assert.throws(() => parseOrderedResources(bad), /invalid --ordered-resources entry/, bad);
  }
});

test("the ordered items come resource by resource, each list in its order", () => {
  const { refs, problems } = orderedItemRefs(
    { orderedResources: { pods: "ns1/pod2,ns1/pod1", persistentvolumes: "pv8, pv4" } },
    RESOURCES,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    refs.map((r) => [r.resource.resource, r.namespace, r.name]),
    [
      ["pods", "ns1", "pod2"],
      ["pods", "ns1", "pod1"],
      ["persistentvolumes", undefined, "pv8"],
      ["persistentvolumes", undefined, "pv4"],
    ],
  );
});

test("an unknown resource and a namespaced item without its namespace are reported, not ordered", () => {
  const { refs, problems } = orderedItemRefs(
    { orderedResources: { gadgets: "a/b", pods: "pod1,ns/pod2" } },
    RESOURCES,
  );
  assert.deepEqual(
    refs.map((r) => r.name),
    ["pod2"],
  );
  assert.deepEqual(problems, [
    'orderedResources: resource "gadgets" is not served by this cluster',
    'orderedResources: "pod1" of pods needs its namespace: namespace/name',
  ]);
});

test("a cohabiting resource is ordered in the group the walk lists it from", () => {
  const { refs } = orderedItemRefs({ orderedResources: { events: "ns/e1" } }, [NEW_EVENTS, EVENTS]);
  assert.equal(refs[0]!.resource.group, "");
});
