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
  options: { long?: string; short?: string; description: string; needsValue: boolean }[];
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
        needsValue: o.required,
      })),
      { long: "--help", short: "-h", description: "display help for command", needsValue: false },
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
 * the words that name known commands, then offers that command's subcommands and flags; after a
 * flag that takes a value, file names.
 */
export function completionScript(root: Command, shell: Shell): string {
  const tree = { all: nodes(root), fn: functionName(root), bin: root.name() };
  return shell === "bash" ? bashScript(tree) : shell === "zsh" ? zshScript(tree) : fishScript(tree);
}

interface Tree {
  all: Node[];
  /** The shell function that completes, `_velero_ts`. */
  fn: string;
  bin: string;
}

const flagNames = (o: Node["options"][number]) => [o.long, o.short].filter((f): f is string => !!f);

/** The flags that must be followed by a value, anywhere in the tree, as one shell pattern. */
function valueFlagsPattern(all: Node[]): string {
  const flags = new Set(all.flatMap((n) => n.options.filter((o) => o.needsValue).flatMap(flagNames)));
  return [...flags].sort().map(single).join("|");
}

/** The `case` arms that walk from one command to its subcommand, for bash and zsh. */
function walkArms(all: Node[], open: string): string {
  return all
    .slice(1)
    .map((n) => `      ${open}${single(n.path)}) cmdpath="$cmdpath $word" ;;`)
    .join("\n");
}

function bashScript({ all, fn, bin }: Tree): string {
  const words = (n: Node) => [...n.subcommands.map((s) => s.name), ...n.options.flatMap(flagNames)];
  return `# bash completion for ${bin}; load with: source <(${bin} completion bash)
${fn}() {
  local cur word i cmdpath words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  case "\${COMP_WORDS[COMP_CWORD-1]}" in
    ${valueFlagsPattern(all)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  cmdpath=${single(bin)}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$cmdpath $word" in
${walkArms(all, "")}
    esac
  done
  case "$cmdpath" in
${all.map((n) => `    ${single(n.path)}) words=${single(words(n).join(" "))} ;;`).join("\n")}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fn} ${bin}
`;
}

function zshScript({ all, fn, bin }: Tree): string {
  const entry = (name: string, description: string) => single(`${name}:${description}`);
  const candidates = (n: Node) => [
    ...n.subcommands.map((s) => entry(s.name, s.description)),
    ...n.options.flatMap((o) => flagNames(o).map((f) => entry(f, o.description))),
  ];
  return `#compdef ${bin}
# zsh completion for ${bin}; load with: source <(${bin} completion zsh)
${fn}() {
  local cmdpath=${single(bin)} word i
  local -a candidates
  case "\${words[CURRENT-1]}" in
    (${valueFlagsPattern(all)}) _files; return ;;
  esac
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    case "$cmdpath $word" in
${walkArms(all, "(")}
    esac
  done
  case "$cmdpath" in
${all.map((n) => `    (${single(n.path)}) candidates=(${candidates(n).join(" ")}) ;;`).join("\n")}
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

function fishScript({ all, fn, bin }: Tree): string {
  const at = `__${fn.slice(1)}_at`;
  const lines = [
    `# fish completion for ${bin}; load with: ${bin} completion fish | source`,
    `set -g ${fn}_paths ${all
      .slice(1)
      .map((n) => single(n.path))
      .join(" ")}`,
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
    for (const s of n.subcommands) {
      lines.push(`complete -c ${bin} ${when} -a ${single(s.name)} -d ${single(s.description)}`);
    }
    for (const o of n.options) {
      const names = [o.long && `-l ${o.long.slice(2)}`, o.short && `-s ${o.short.slice(1)}`].filter(Boolean);
      // A flag's value may be a file (--kubeconfig, -o of download): offer files there.
      const value = o.needsValue ? " -r -F" : "";
      lines.push(`complete -c ${bin} ${when} ${names.join(" ")}${value} -d ${single(o.description)}`);
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
