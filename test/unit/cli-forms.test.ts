import assert from "node:assert/strict";
import { test } from "node:test";
import type { Command } from "commander";
import { program } from "../../src/cli/main.js";
import { runCli } from "../cli.js";

/** The command that `words` name from the root, by names or aliases, as commander resolves them. */
function resolve(root: Command, words: string[]): Command {
  let cmd = root;
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    assert.ok(next, `"${words.join(" ")}": no command "${word}" under "${cmd.name()}"`);
    cmd = next;
  }
  return cmd;
}

const flags = (cmd: Command) => cmd.options.map((o) => o.flags).sort();

test("each verb-first form, singular or plural, is the noun-first command with the same flags", () => {
  const root = program();
  const forms: [string[], string[]][] = [
    [
      ["create", "backup"],
      ["backup", "create"],
    ],
    [
      ["create", "restore"],
      ["restore", "create"],
    ],
    [
      ["create", "backup-location"],
      ["backup-location", "create"],
    ],
    [
      ["get", "backups"],
      ["backup", "get"],
    ],
    [
      ["get", "backup"],
      ["backup", "get"],
    ],
    [
      ["get", "restores"],
      ["restore", "get"],
    ],
    [
      ["get", "backup-locations"],
      ["backup-location", "get"],
    ],
    [
      ["describe", "backups"],
      ["backup", "describe"],
    ],
    [
      ["describe", "restore"],
      ["restore", "describe"],
    ],
    [
      ["delete", "backup"],
      ["backup", "delete"],
    ],
    [
      ["delete", "backups"],
      ["backup", "delete"],
    ],
    [
      ["delete", "restore"],
      ["restore", "delete"],
    ],
    [
      ["delete", "backup-location"],
      ["backup-location", "delete"],
    ],
    [
      ["logs", "backup"],
      ["backup", "logs"],
    ],
    [
      ["logs", "restore"],
      ["restore", "logs"],
    ],
  ];
  for (const [verbFirst, nounFirst] of forms) {
    const a = resolve(root, verbFirst);
    const b = resolve(root, nounFirst);
    assert.equal(a.description(), b.description(), verbFirst.join(" "));
    assert.deepEqual(flags(a), flags(b), verbFirst.join(" "));
  }
});

test("`create backup NAME -o json` prints the same Backup as `backup create NAME -o json`", async () => {
  const verbFirst = await runCli(["create", "backup", "b1", "--include-namespaces", "app", "-o", "json"]);
  const nounFirst = await runCli(["backup", "create", "b1", "--include-namespaces", "app", "-o", "json"]);
  assert.equal(verbFirst.code, 0, verbFirst.stderr);
  assert.equal(verbFirst.stdout, nounFirst.stdout);
  assert.deepEqual((JSON.parse(verbFirst.stdout) as { spec: unknown }).spec, { includedNamespaces: ["app"] });
});

test("every create command's help has an Examples section with our binary's commands", () => {
  const root = program();
  for (const path of [
    ["backup", "create"],
    ["restore", "create"],
    ["backup-location", "create"],
    ["install"],
    ["create", "backup"],
    ["create", "restore"],
    ["create", "backup-location"],
  ]) {
    const cmd = resolve(root, path);
    let help = "";
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    assert.match(help, /\nExamples:\n {2}# /, path.join(" "));
    const nounFirst = path.length === 2 && path[0] === "create" ? [path[1], path[0]] : path;
    assert.match(help, new RegExp(`\n {2}velero-ts ${nounFirst.join(" ")} `), path.join(" "));
  }
});

test("help wraps at the width it is given", () => {
  const lines = (width: number) =>
    resolve(program(width), ["backup", "create"]).helpInformation().split("\n");
  // Commander keeps at least 40 columns for descriptions next to these long flags: 100 leaves 60.
  const narrow = lines(100);
  for (const line of narrow) assert.ok(line.length <= 100, `longer than 100: "${line}"`);
  assert.ok(narrow.length > lines(200).length, "the narrow help wraps descriptions onto more lines");
});

test("delete refuses names together with --all, as Velero does, before reaching a cluster", async () => {
  const { code, stderr } = await runCli(["backup", "delete", "b1", "--all", "--kubeconfig", "/nonexistent"]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /you must specify exactly one of: specific backup name\(s\), the --all flag, or the --selector flag/,
  );
});
