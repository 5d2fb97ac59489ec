import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ARCHIVE_FORMAT_VERSION,
  METADATA_VERSION_PATH,
  groupResourceOf,
  itemPath,
  parseItemPath,
  preferredVersionItemPath,
} from "../../src/archive/paths.js";

test("paths follow Velero's archive layout", () => {
  assert.equal(METADATA_VERSION_PATH, "metadata/version");
  assert.equal(ARCHIVE_FORMAT_VERSION, "1.1.0");
  assert.equal(groupResourceOf("apps", "deployments"), "deployments.apps");
  assert.equal(groupResourceOf("", "pods"), "pods");
  assert.equal(itemPath("pods", "shop", "db-0"), "resources/pods/namespaces/shop/db-0.json");
  assert.equal(
    itemPath("storageclasses.storage.k8s.io", undefined, "fast"),
    "resources/storageclasses.storage.k8s.io/cluster/fast.json",
  );
  assert.equal(
    preferredVersionItemPath("deployments.apps", "v1", "shop", "web"),
    "resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json",
  );
  assert.equal(
    preferredVersionItemPath("namespaces", "v1", undefined, "shop"),
    "resources/namespaces/v1-preferredversion/cluster/shop.json",
  );
});

test("item paths read back to where the item sits", () => {
  assert.deepEqual(parseItemPath(itemPath("pods", "shop", "db-0")), {
    groupResource: "pods",
    namespace: "shop",
    name: "db-0",
  });
  assert.deepEqual(parseItemPath(preferredVersionItemPath("deployments.apps", "v1beta2", undefined, "x.y")), {
    groupResource: "deployments.apps",
    name: "x.y",
    preferredVersion: "v1beta2",
  });
});

test("paths that are not items of the layout read back as nothing", () => {
  for (const path of [
    "metadata/version",
    "resources/pods",
    "resources/pods/namespaces/shop",
    "resources/pods/namespaces/shop/db.yaml",
    "resources/pods/namespaces/shop/.json",
    "resources/pods/namespaces//db.json",
    "resources/pods/cluster/a/b.json",
    "resources/pods/v1/namespaces/shop/db.json",
    "resources/pods/-preferredversion/cluster/db.json",
    "resources//cluster/db.json",
  ]) {
    assert.equal(parseItemPath(path), undefined, path);
  }
});
