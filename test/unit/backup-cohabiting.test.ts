import assert from "node:assert/strict";
import { test } from "node:test";
import { withoutCohabitants } from "../../src/backup/cohabiting.js";
import { groupResource, type ApiResource } from "../../src/kube/discovery.js";

const served = (group: string, resource: string): ApiResource => ({
  group,
  version: "v1",
  resource,
  kind: resource,
  namespaced: true,
  verbs: ["list", "get"],
  shortNames: [],
  singularName: "",
});

test("Events, served by the core group and events.k8s.io, are backed up once, from the core group", () => {
  const resources = [served("events.k8s.io", "events"), served("", "events"), served("", "configmaps")];
  assert.deepEqual(withoutCohabitants(resources).map(groupResource), ["events", "configmaps"]);
});

test("a cohabiting resource served by one group only is kept", () => {
  const resources = [served("apps", "deployments"), served("networking.k8s.io", "ingresses")];
  assert.deepEqual(withoutCohabitants(resources).map(groupResource), [
    "deployments.apps",
    "ingresses.networking.k8s.io",
  ]);
});

test("deployments served by both extensions and apps come from apps: Velero meets extensions last", () => {
  const resources = [served("extensions", "deployments"), served("apps", "deployments")];
  assert.deepEqual(withoutCohabitants(resources).map(groupResource), ["deployments.apps"]);
});
