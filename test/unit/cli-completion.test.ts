import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { completionScript } from "../../src/cli/completion.js";
import { program } from "../../src/cli/main.js";
import { runCli } from "../cli.js";

const exec = promisify(execFile);

function has(shell: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${shell}`]);
    return true;
  } catch {
    return false;
  }
}

async function scriptFile(shell: "bash" | "zsh" | "fish"): Promise<string> {
  const { code, stdout } = await runCli(["completion", shell]);
  assert.equal(code, 0);
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "completion-")), `_velero-ts.${shell}`);
  await fs.writeFile(file, stdout);
  return file;
}

/** What bash offers after the words typed, the last one being completed. */
async function bashOffers(file: string, words: string[]): Promise<string[]> {
  const script = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _velero_ts; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await exec("bash", ["-c", script]);
  return stdout.split("\n").filter(Boolean);
}

test("every shell's script names every command of the tree, aliases included", () => {
  const root = program();
  const paths: string[] = [];
  const walk = (cmd: typeof root, prefix: string) => {
    for (const c of cmd.commands) {
      for (const name of [c.name(), ...c.aliases()]) {
        paths.push(`${prefix} ${name}`);
        walk(c, `${prefix} ${name}`);
      }
    }
  };
  walk(root, "velero-ts");
  assert.ok(paths.includes("velero-ts get backups") && paths.includes("velero-ts create backup"));
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const script = completionScript(root, shell);
    for (const p of paths) assert.ok(script.includes(`'${p}'`), `${shell} script lacks "${p}"`);
  }
});

test("bash completes subcommands, verb-first nouns, flags and the completion shells", async () => {
  const file = await scriptFile("bash");
  assert.deepEqual(await bashOffers(file, ["velero-ts", "backup", "cr"]), ["create"]);
  assert.deepEqual(await bashOffers(file, ["velero-ts", "get", "back"]), [
    "backups",
    "backup",
    "backup-locations",
    "backup-location",
  ]);
  assert.deepEqual(await bashOffers(file, ["velero-ts", "get", "backups", "--show"]), ["--show-labels"]);
  assert.deepEqual(await bashOffers(file, ["velero-ts", "completion", ""]), [
    "bash",
    "zsh",
    "fish",
    "--help",
    "-h",
  ]);
});

test("bash offers file names after a flag that takes a value", async () => {
  const file = await scriptFile("bash");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "completion-files-"));
  await fs.writeFile(path.join(dir, "kc.yaml"), "");
  const offered = await bashOffers(file, ["velero-ts", "backup", "get", "--kubeconfig", `${dir}/kc`]);
  assert.deepEqual(offered, [`${dir}/kc.yaml`]);
});

test("zsh completes what was typed so far", { skip: !has("zsh") && "zsh is not installed" }, async () => {
  const file = await scriptFile("zsh");
  // _describe is the completion system's; here it prints what it would offer.
  const script = `compdef() { :; }; _describe() { print -l -- "\${candidates[@]}" }; source ${file}; words=(velero-ts delete backup ''); CURRENT=4; _velero_ts`;
  const { stdout } = await exec("zsh", ["-c", script]);
  assert.ok(stdout.split("\n").includes("--all:delete all backups"), stdout);
  assert.ok(stdout.split("\n").includes("--confirm:confirm the deletion without asking"), stdout);
});

test("fish completes what was typed so far", { skip: !has("fish") && "fish is not installed" }, async () => {
  const file = await scriptFile("fish");
  const { stdout } = await exec("fish", ["-c", `source ${file}; complete -C 'velero-ts restore de'`]);
  assert.deepEqual(stdout.split("\n").filter(Boolean).sort(), [
    "delete\tdelete restores: their files in the storage location, then the Restore objects (restored objects stay)",
    "describe\tdescribe restores",
  ]);
});

test("completion refuses a shell it has no script for", async () => {
  const { code, stderr } = await runCli(["completion", "tcsh"]);
  assert.equal(code, 1);
  assert.match(stderr, /Allowed choices are bash, zsh, fish/);
});
