import assert from "node:assert/strict";
import { test } from "node:test";
import { versionMismatch } from "../../src/cli/version.js";

test("no warning when client and server share major.minor", () => {
  assert.equal(versionMismatch("0.1.0", "0.1.7"), undefined);
  assert.equal(versionMismatch("v1.18.0", "1.18.2"), undefined);
});

test("the warning names the older side, as Velero's does", () => {
  assert.equal(
    versionMismatch("0.1.0", "0.2.0"),
    "# WARNING: the client version does not match the server version. Please update client",
  );
  assert.equal(
    versionMismatch("1.2.0", "0.9.0"),
    "# WARNING: the client version does not match the server version. Please update server",
  );
});
