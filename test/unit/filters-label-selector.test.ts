import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1LabelSelector } from "@kubernetes/client-node";
import {
  formatLabelSelector,
  matchesAnyLabelSelector,
  matchesLabelSelector,
  parseLabelSelector,
} from "../../src/filters/label-selector.js";

test("kubectl selector syntax parses to a LabelSelector", () => {
  const cases: [string, V1LabelSelector][] = [
    ["", {}],
    ["app=web", { matchLabels: { app: "web" } }],
    ["app==web", { matchLabels: { app: "web" } }],
    [" app = web , tier=front ", { matchLabels: { app: "web", tier: "front" } }],
    ["app=", { matchLabels: { app: "" } }],
    ["app!=web", { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }],
    ["tier in (b, a,b)", { matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }],
    ["tier notin (x)", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }] }],
    ["tier in ()", { matchExpressions: [{ key: "tier", operator: "In", values: [""] }] }],
    ["backup", { matchExpressions: [{ key: "backup", operator: "Exists" }] }],
    ["!legacy", { matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] }],
    [
      "app.kubernetes.io/name=web,!legacy,env in (prod)",
      {
        matchLabels: { "app.kubernetes.io/name": "web" },
        matchExpressions: [
          { key: "legacy", operator: "DoesNotExist" },
          { key: "env", operator: "In", values: ["prod"] },
        ],
      },
    ],
    ["a=b,a=c", { matchLabels: { a: "b" }, matchExpressions: [{ key: "a", operator: "In", values: ["c"] }] }],
    ["in=x", { matchLabels: { in: "x" } }],
    ["constructor=x", { matchLabels: { constructor: "x" } }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseLabelSelector(text), expected, text);
});

test("invalid selectors are refused with the text and the problem", () => {
  const cases: [string, RegExp][] = [
    ["a=b=c", /found '=', expected: ',' or end of string/],
    ["in (x)", /found '\(', expected: in, notin/],
    ["a in (x", /found 'end of string', expected: ',' or '\)'/],
    ["a in x", /found 'x', expected: '\('/],
    ["a in (x))", /found '\)', expected: ',' or end of string/],
    ["a)", /found '\)', expected: in, notin/],
    ["a,", /found 'end of string', expected: label key/],
    [",a", /found ',', expected: label key/],
    ["!", /found 'end of string', expected: label key/],
    ["!a=b", /found '=', expected: ',' or end of string/],
    ["a>1", /'>' isn't supported in label selectors/],
    ["-a=b", /invalid label key "-a"/],
    ["Example.COM/a=b", /invalid label key "Example.COM\/a": the prefix/],
    ["a/b/c", /invalid label key "a\/b\/c"/],
    [`${"k".repeat(64)}=v`, /invalid label key/],
    ["a=b_", /invalid label value "b_"/],
    [`a=${"v".repeat(64)}`, /invalid label value/],
    ["a in (ok,no way)", /found 'way', expected: ',' or '\)'/],
  ];
  for (const [text, problem] of cases) {
    assert.throws(
      () => parseLabelSelector(text),
      (error: Error) => {
        assert.ok(error.message.startsWith(`invalid selector "${text}": `), error.message);
        assert.match(error.message, problem);
        return true;
      },
      text,
    );
  }
});

test("a selector matches when matchLabels and every expression hold", () => {
  const selector = parseLabelSelector("app=web,tier in (front,edge),env!=dev,backup,!legacy");
  const base = { app: "web", tier: "front", env: "prod", backup: "yes" };
  const cases: [Record<string, string> | undefined, boolean][] = [
    [base, true],
    [{ ...base, tier: "edge" }, true],
    [{ app: "web", tier: "front", backup: "" }, true],
    [{ ...base, app: "db" }, false],
    [{ ...base, tier: "back" }, false],
    [{ ...base, env: "dev" }, false],
    [{ app: "web", tier: "front", env: "prod" }, false],
    [{ ...base, legacy: "true" }, false],
    [undefined, false],
  ];
  for (const [labels, expected] of cases) {
    assert.equal(matchesLabelSelector(labels, selector), expected, JSON.stringify(labels));
  }
});

test("an empty selector matches everything, including objects without labels", () => {
  assert.equal(matchesLabelSelector(undefined, {}), true);
  assert.equal(matchesLabelSelector({ a: "b" }, parseLabelSelector("")), true);
  assert.equal(matchesLabelSelector(undefined, parseLabelSelector("!a")), true);
});

test("inherited object properties are not labels", () => {
  assert.equal(matchesLabelSelector({}, parseLabelSelector("constructor")), false);
  assert.equal(matchesLabelSelector({}, parseLabelSelector("!toString")), true);
});

test("an unknown operator is an error, not a silent match", () => {
  assert.throws(
    () =>
      matchesLabelSelector({ a: "b" }, { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
    /invalid label selector operator "Gt" for key "a"/,
  );
});

test("orLabelSelectors match when any of them does", () => {
  const selectors = [parseLabelSelector("app=web"), parseLabelSelector("app=db,tier=back")];
  assert.equal(matchesAnyLabelSelector({ app: "web" }, selectors), true);
  assert.equal(matchesAnyLabelSelector({ app: "db", tier: "back" }, selectors), true);
  assert.equal(matchesAnyLabelSelector({ app: "db" }, selectors), false);
  assert.equal(matchesAnyLabelSelector(undefined, selectors), false);
  assert.equal(matchesAnyLabelSelector({ app: "db" }, []), true, "no selectors, no constraint");
});

test("selectors print in kubectl syntax, sorted by key", () => {
  const cases: [V1LabelSelector | undefined, string][] = [
    [undefined, "<none>"],
    [{}, "<none>"],
    [{ matchLabels: {}, matchExpressions: [] }, "<none>"],
    [{ matchLabels: { app: "web" } }, "app=web"],
    [
      {
        matchLabels: { tier: "front", app: "web" },
        matchExpressions: [
          { key: "env", operator: "NotIn", values: ["qa", "dev"] },
          { key: "backup", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
          { key: "zone", operator: "In", values: ["b", "a"] },
        ],
      },
      "app=web,backup,env notin (dev,qa),!legacy,tier=front,zone in (a,b)",
    ],
    [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, "<error>"],
  ];
  for (const [selector, text] of cases) assert.equal(formatLabelSelector(selector), text, text);
});

test("a printed selector parses back to a selector that prints the same", () => {
  for (const text of ["tier in (b,a),app=web", "!legacy,env notin (dev)", "backup,x.io/y=z"]) {
    const printed = formatLabelSelector(parseLabelSelector(text));
    assert.equal(formatLabelSelector(parseLabelSelector(printed)), printed, text);
  }
  assert.equal(formatLabelSelector(parseLabelSelector("tier in (b,a),app=web")), "app=web,tier in (a,b)");
});
