// File-system backups into an S3 location: kopia's S3 client and the server's, over TLS with a CA
// the test makes, against a real S3-compatible server (s3rver).
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { BackupStorageLocation } from "../../src/api/v1/index.js";
import { s3Location, startS3Server, type S3Server } from "./s3-server.js";
import { kubectl, testNamespace, waitAvailable, waitUntil } from "./support.js";
import { makeTestCertificates } from "./test-ca.js";
import { velero } from "./velero.js";
import {
  appReads,
  appWithPodVolumes,
  appWrites,
  FS_OPT_IN,
  podVolumeBackups,
  restoreToEnd,
  volumeBackup,
} from "./volumes.js";

const BUCKET = "velero-fsb";
let s3: S3Server & { dir: string };
let caFile: string;

before(async () => {
  const certificates = await makeTestCertificates();
  s3 = await startS3Server([BUCKET], certificates);
  caFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-fsb-ca-")), "ca.pem");
  await fs.writeFile(caFile, certificates.ca);
});
after(async () => {
  await s3.stop();
  await fs.rm(path.dirname(caFile), { recursive: true, force: true });
});

test("a pod volume backed up into an S3 location over TLS is in <prefix>/kopia/<namespace>/ of the bucket, and restores", async (t) => {
  const ns = await testNamespace(t, "fs3");
  const location = await s3Location(t, ns, BUCKET, "tls", s3.url, caFile);
  await waitUntil("the TLS location to be Available", 60_000, async () => {
    const l = JSON.parse(
      (await velero(["backup-location", "get", location, "-o", "json"])).stdout,
    ) as BackupStorageLocation;
    return l.status?.phase === "Available";
  });

  await appWithPodVolumes(ns, FS_OPT_IN);
  await appWrites(ns, "state.txt", "kept in S3\n");
  const backup = await volumeBackup(ns, "--storage-location", location);
  const [pvb] = await podVolumeBackups(backup);
  assert.equal(pvb?.status?.phase, "Completed");

  // s3rver keeps object `a/b` as the file `<bucket>/a/b._S3rver_object`.
  const blobs = await fs.readdir(path.join(s3.dir, BUCKET, ns, "kopia", ns));
  for (const blob of ["kopia.repository", "udmrepo.Repository"])
    assert.ok(blobs.includes(`${blob}._S3rver_object`), `${blob} is in the bucket (${blobs.join(", ")})`);

  await kubectl(["delete", "ns", ns, "--wait=true"]);
  await restoreToEnd(backup);
  await waitAvailable(ns, "app");
  assert.equal(await appReads(ns, "state.txt"), "kept in S3\n");
});
