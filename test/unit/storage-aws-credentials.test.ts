import assert from "node:assert/strict";
import { test } from "node:test";
import { credentialsFromFile } from "../../src/storage/aws-credentials.js";

const FILE = [
  "# velero credentials",
  "[default]",
  "aws_access_key_id = AKIADEFAULT",
  "aws_secret_access_key = s3cr#t;with=signs   ; a comment",
  "",
  "[backup.writer]",
  "AWS_ACCESS_KEY_ID=AKIAWRITER",
  "aws_secret_access_key=writer-secret",
  "aws_session_token=token-123",
  "",
  "[broken]",
  "aws_access_key_id = AKIABROKEN",
].join("\r\n");

test("the profile's keys are read by the AWS CLI's rules", () => {
  assert.deepEqual(credentialsFromFile(FILE, "default"), {
    accessKeyId: "AKIADEFAULT",
    secretAccessKey: "s3cr#t;with=signs",
  });
  assert.deepEqual(credentialsFromFile(FILE, "backup.writer"), {
    accessKeyId: "AKIAWRITER",
    secretAccessKey: "writer-secret",
    sessionToken: "token-123",
  });
});

test("a missing profile or key is an error naming it, never showing a key", () => {
  assert.throws(() => credentialsFromFile(FILE, "prod"), {
    message: 'the AWS credentials file has no profile "prod"',
  });
  assert.throws(
    () => credentialsFromFile(FILE, "broken"),
    (err: Error) => {
      assert.equal(err.message, 'profile "broken" of the AWS credentials file has no aws_secret_access_key');
      assert.ok(!err.message.includes("AKIABROKEN"));
      return true;
    },
  );
  assert.throws(() => credentialsFromFile("", "default"), /no profile "default"/);
});
