import type { Argument, Command, Option } from 'commander'

/**
 * docs/cli.md: every command with its arguments and options, rendered from the same commander
 * definitions the CLI parses, so the reference cannot drift from the code (`npm run docs` writes it;
 * a test fails when it is stale).
 */
export function renderCliReference(program: Command): string {
  const out: string[] = [
    '# CLI reference',
    '',
    '<!-- Generated from the commander definitions by `npm run docs`; do not edit by hand. -->',
    '',
    `${program.description()}`,
    '',
    'Commands that go through the HTTP API (`resources`, `petitions`, `rules`, `members`) read',
    '`INDENT_API_URL`, `INDENT_SPACE` and `INDENT_API_TOKEN` (or `--url`, `--space`, `--token`). The',
    "others open the database directly, on the server's host: `DATABASE_URL` or `OPENINDENT_DATA_DIR`",
    '(or the global `--database-url` and `--data-dir` below).',
    '',
  ]
  out.push(...optionTable(program, 'Global options'))
  for (const cmd of program.commands) render(cmd, [program.name()], out)
  return `${out.join('\n').trimEnd()}\n`
}

function render(cmd: Command, parents: string[], out: string[]): void {
  const path = [...parents, cmd.name()]
  const args = cmd.registeredArguments.map(argumentUsage).join(' ')
  const runnable = cmd.commands.length === 0
  out.push(`## ${path.slice(1).join(' ')}`, '')
  if (cmd.description()) out.push(`${cmd.description()}`, '')
  if (runnable) {
    out.push(
      '```',
      `${path.join(' ')}${args ? ` ${args}` : ''}${visibleOptions(cmd).length ? ' [options]' : ''}`,
      '```',
      '',
    )
    out.push(...optionTable(cmd, 'Options'))
  } else {
    out.push(`Subcommands: ${cmd.commands.map((c) => `\`${c.name()}\``).join(', ')}.`, '')
  }
  for (const sub of cmd.commands) render(sub, path, out)
}

function argumentUsage(a: Argument): string {
  const name = `${a.name()}${a.variadic ? '...' : ''}`
  return a.required ? `<${name}>` : `[${name}]`
}

function visibleOptions(cmd: Command): readonly Option[] {
  return cmd
    .createHelp()
    .visibleOptions(cmd)
    .filter((o) => o.long !== '--help')
}

function optionTable(cmd: Command, title: string): string[] {
  const options = visibleOptions(cmd)
  if (options.length === 0) return []
  const rows = options.map((o) => {
    const extra = o.defaultValue === undefined ? '' : ` (default: \`${String(o.defaultValue)}\`)`
    return `| \`${o.flags}\` | ${escapePipes(o.description)}${extra} |`
  })
  return [`${title}:`, '', '| option | meaning |', '|---|---|', ...rows, '']
}

const escapePipes = (text: string): string => text.replace(/\|/g, '\\|')
