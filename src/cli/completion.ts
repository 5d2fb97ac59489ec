import { Argument, Command } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Word {
  name: string;
  description: string;
}

/** One command of the tree, reached by `path` (names or aliases from the root, space-separated). */
interface Node {
  path: string;
  subcommands: Word[];
  options: { long?: string; short?: string; description: string; takesValue: boolean }[];
}

/** Every command of the tree, under each of its names and aliases. */
function nodes(root: Command): Node[] {
  const found: Node[] = [];
  const visit = (cmd: Command, path: string) => {
    const subcommands = [
      ...cmd.commands.flatMap((c) =>
        [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description() })),
      ),
      // Fixed argument values (completion's shells) complete like subcommands.
      ...cmd.registeredArguments.flatMap((a) =>
        (a.argChoices ?? []).map((name) => ({ name, description: a.description })),
      ),
    ];
    const options = [
      ...cmd.options.map((o) => ({
        long: o.long,
        short: o.short,
        description: o.description,
        takesValue: o.required || o.optional,
      })),
      { long: "--help", short: "-h", description: "display help for command", takesValue: false },
    ];
    found.push({ path, subcommands, options });
    for (const c of cmd.commands) for (const name of [c.name(), ...c.aliases()]) visit(c, `${path} ${name}`);
  };
  visit(root, root.name());
  return found;
}

/** A shell function name from the program's name: velero-ts → _velero_ts. */
function functionName(root: Command): string {
  return `_${root.name().replace(/[^A-Za-z0-9]/g, "_")}`;
}

const single = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The completion script for a shell, written from the command tree itself, so it always knows
 * every command, alias and flag there is. Each script finds the command typed so far by walking
 * the words that name known commands, then offers that command's subcommands and flags.
 */
export function completionScript(root: Command, shell: Shell): string {
  const all = nodes(root);
  const fn = functionName(root);
  const bin = root.name();
  const paths = all.map((n) => n.path);
  const flagsOf = (n: Node) => n.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
  if (shell === "bash") {
    return `# bash completion for ${bin}; load with: source <(${bin} completion bash)
${fn}() {
  local cur word i cmdpath words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmdpath=${single(bin)}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$cmdpath $word" in
${paths
  .slice(1)
  .map((p) => `      ${single(p)}) cmdpath="$cmdpath $word" ;;`)
  .join("\n")}
    esac
  done
  case "$cmdpath" in
${all.map((n) => `    ${single(n.path)}) words=${single([...n.subcommands.map((s) => s.name), ...flagsOf(n)].join(" "))} ;;`).join("\n")}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fn} ${bin}
`;
  }
  if (shell === "zsh") {
    const entry = (name: string, description: string) => single(`${name}:${description}`);
    return `#compdef ${bin}
# zsh completion for ${bin}; load with: source <(${bin} completion zsh)
${fn}() {
  local cmdpath=${single(bin)} word i
  local -a candidates
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    case "$cmdpath $word" in
${paths
  .slice(1)
  .map((p) => `      (${single(p)}) cmdpath="$cmdpath $word" ;;`)
  .join("\n")}
    esac
  done
  case "$cmdpath" in
${all
  .map(
    (n) =>
      `    (${single(n.path)}) candidates=(${[
        ...n.subcommands.map((s) => entry(s.name, s.description)),
        ...n.options.flatMap((o) =>
          [o.long, o.short].filter((f): f is string => !!f).map((f) => entry(f, o.description)),
        ),
      ].join(" ")}) ;;`,
  )
  .join("\n")}
  esac
  _describe 'command or flag' candidates
}
if [ "$funcstack[1]" = "_${bin}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`;
  }
  const at = `__${fn.slice(1)}_at`;
  const lines = [
    `# fish completion for ${bin}; load with: ${bin} completion fish | source`,
    `set -g ${fn}_paths ${paths.slice(1).map(single).join(" ")}`,
    `function ${at} --description 'is the command typed so far this one?'`,
    `    set -l cmdpath ${single(bin)}`,
    `    for word in (commandline -opc)[2..-1]`,
    `        if contains -- "$cmdpath $word" $${fn}_paths`,
    `            set cmdpath "$cmdpath $word"`,
    `        end`,
    `    end`,
    `    test "$cmdpath" = "$argv[1]"`,
    `end`,
    `complete -c ${bin} -f`,
  ];
  for (const n of all) {
    const when = `-n ${single(`${at} ${single(n.path)}`)}`;
    for (const s of n.subcommands)
      lines.push(`complete -c ${bin} ${when} -a ${single(s.name)} -d ${single(s.description)}`);
    for (const o of n.options) {
      const names = [o.long ? `-l ${o.long.slice(2)}` : "", o.short ? `-s ${o.short.slice(1)}` : ""].filter(
        Boolean,
      );
      lines.push(
        `complete -c ${bin} ${when} ${names.join(" ")}${o.takesValue ? " -r" : ""} -d ${single(o.description)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** `completion bash|zsh|fish`, as Velero's: prints the script for the shell. */
export function completionCommand(): Command {
  return new Command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .addHelpText(
      "after",
      `
To load completions:

Bash:
  $ source <(velero-ts completion bash)
  # for each session, once:
  $ velero-ts completion bash > /etc/bash_completion.d/velero-ts

Zsh:
  $ source <(velero-ts completion zsh)
  # for each session, once (with compinit enabled):
  $ velero-ts completion zsh > "\${fpath[1]}/_velero-ts"

Fish:
  $ velero-ts completion fish | source
  # for each session, once:
  $ velero-ts completion fish > ~/.config/fish/completions/velero-ts.fish`,
    )
    .action((shell: Shell, _flags: unknown, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(root, shell));
    });
}
