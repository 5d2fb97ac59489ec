import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_RESTORE_PRIORITIES } from "../../src/restore/priorities.js";
import { DEFAULT_RESTORE_LIMITS } from "../../src/restore/limits.js";
import { settingsData, settingsFromData } from "../../src/restore/server-settings.js";

test("restore settings: the server's priorities and limits read back as they were set", () => {
  const settings = {
    priorities: { high: ["namespaces", "configmaps"], low: ["secrets"] },
    limits: { itemMaxBytes: 1024, archiveMaxBytes: 2 ** 31 },
  };
  const data = settingsData(settings);
  assert.equal(data.restoreResourcePriorities, "namespaces,configmaps,-,secrets");
  assert.deepEqual(settingsFromData(data), settings);
});

test("restore settings: what is missing or unreadable is Velero's default", () => {
  assert.deepEqual(settingsFromData({ restoreItemSizeLimitBytes: "lots" }), {
    priorities: DEFAULT_RESTORE_PRIORITIES,
    limits: DEFAULT_RESTORE_LIMITS,
  });
});
