import assert from "node:assert/strict";
import { test } from "node:test";
import { IncludesExcludes } from "../../src/filters/includes-excludes.js";

test("no includes, or '*', includes everything that is not excluded", () => {
  const all = new IncludesExcludes();
  assert.equal(all.shouldInclude("default"), true);
  assert.equal(all.includesEverything(), true);
  const star = new IncludesExcludes(["*"], ["kube-system"]);
  assert.equal(star.shouldInclude("shop"), true);
  assert.equal(star.shouldInclude("kube-system"), false);
  assert.equal(star.includesEverything(), false);
});

test("only listed items are included, and excludes win", () => {
  const filter = new IncludesExcludes(["shop", "blog"], ["blog"]);
  assert.equal(filter.shouldInclude("shop"), true);
  assert.equal(filter.shouldInclude("blog"), false);
  assert.equal(filter.shouldInclude("other"), false);
});

test("glob patterns match namespace names as Velero matches them", () => {
  const filter = new IncludesExcludes(["app-*", "db-?", "team-[ab]"], ["app-*-test"]);
  const cases: [string, boolean][] = [
    ["app-web", true],
    ["app-", true],
    ["app-web-test", false],
    ["db-1", true],
    ["db-12", false],
    ["team-a", true],
    ["team-c", false],
    ["my-app-web", false],
    ["apps", false],
  ];
  for (const [value, included] of cases) assert.equal(filter.shouldInclude(value), included, value);
});

test("pattern characters other than *, ? and [...] are literal", () => {
  const filter = new IncludesExcludes(["deployments.apps", "a+b", "[!x]y"]);
  assert.equal(filter.shouldInclude("deployments.apps"), true);
  assert.equal(filter.shouldInclude("deploymentsXapps"), false);
  assert.equal(filter.shouldInclude("a+b"), true);
  assert.equal(filter.shouldInclude("aab"), false);
  assert.equal(filter.shouldInclude("zy"), true);
  assert.equal(filter.shouldInclude("xy"), false);
});

test("validate reports what Velero refuses", () => {
  assert.deepEqual(new IncludesExcludes(["a", "b"], ["c"]).validate(), []);
  assert.deepEqual(new IncludesExcludes(["*"], ["kube-system"]).validate(), []);
  assert.deepEqual(new IncludesExcludes(["*", "a"]).validate(), [
    "includes list must either contain '*' only, or a non-empty list of items",
  ]);
  assert.deepEqual(new IncludesExcludes([], ["*"]).validate(), ["excludes list cannot contain '*'"]);
  assert.deepEqual(new IncludesExcludes(["b", "a"], ["b", "a"]).validate(), [
    "excludes list cannot contain an item in the includes list: a",
    "excludes list cannot contain an item in the includes list: b",
  ]);
});

test("validate reports patterns that cannot match, and such patterns match nothing", () => {
  const filter = new IncludesExcludes(["app-[", "x]", "y[]", "[z-a]"]);
  assert.deepEqual(filter.validate(), [
    `invalid pattern "app-[": unclosed bracket '['`,
    `invalid pattern "x]": unmatched closing bracket ']'`,
    `invalid pattern "y[]": empty bracket pattern '[]'`,
    `invalid pattern "[z-a]": invalid character range`,
  ]);
  assert.equal(filter.shouldInclude("app-["), false);
  assert.equal(filter.shouldInclude("x]"), false);
});

test("scoped lists follow Velero's rules: excludes may be '*' alone, and then no includes", () => {
  assert.deepEqual(new IncludesExcludes([], ["*"]).validateScoped(), []);
  assert.deepEqual(new IncludesExcludes(["a"], ["*"]).validateScoped(), [
    "when exclude is '*', include cannot have value",
  ]);
  assert.deepEqual(new IncludesExcludes(["*", "a"], ["*", "b"]).validateScoped(), [
    "includes list must either contain '*' only, or a non-empty list of items",
    "excludes list must either contain '*' only, or a non-empty list of items",
    "when exclude is '*', include cannot have value",
    "excludes list cannot contain an item in the includes list: *",
  ]);
  assert.deepEqual(new IncludesExcludes([], ["*"]).validate(), ["excludes list cannot contain '*'"]);
});
