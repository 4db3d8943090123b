// Finds the user-facing `vitkit` commands in the repository's READMEs: every line of a ```bash / ```sh block that
// invokes the CLI (npx --no-install vitkit, npm exec --no -- vitkit, npm run vitkit --, npm start, npm run demo).
'use strict';
const fs = require('fs');
const path = require('path');

const INVOCATION = /^(npx --no-install vitkit|npm exec --no -- vitkit|npm run vitkit --|npm start|npm run demo)(\s|$)/;
/** `npx vitkit` without --no-install may download and run a stranger's package named `vitkit`. */
const UNSAFE = /\bnpx\s+(?!--no-install\b)(?:-\S+\s+)*vitkit\b/;

function readmes(root) {
  const out = [path.join(root, 'README.md')];
  for (const dir of ['packages', 'examples']) {
    const base = path.join(root, dir);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const file = path.join(base, name, 'README.md');
      if (fs.existsSync(file)) out.push(file);
    }
  }
  const specs = path.join(root, 'examples', 'specs', 'README.md');
  if (fs.existsSync(specs) && !out.includes(specs)) out.push(specs);
  return out;
}

/** Drops a trailing `# comment` (the READMEs' commands hold no # inside quotes). */
function stripComment(line) {
  const i = line.search(/\s#\s|\s#$/);
  return (i < 0 ? line : line.slice(0, i)).trim();
}

/**
 * @returns {{ commands: Array<{ file: string, line: number, command: string }>, unsafe: Array<{ file: string, line: number, text: string }> }}
 */
function extractCommands(root) {
  const commands = [];
  const unsafe = [];
  for (const file of readmes(root)) {
    const rel = path.relative(root, file);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let inShell = false;
    lines.forEach((text, i) => {
      const fence = text.match(/^\s*```(\w*)/);
      if (fence) {
        inShell = !inShell && ['bash', 'sh', 'shell', 'console'].includes(fence[1]);
        return;
      }
      if (!inShell) {
        // Inline code in prose: `npx vitkit info ...` would be copied as well.
        for (const m of text.matchAll(/`([^`]*)`/g)) if (UNSAFE.test(m[1]) && /vitkit\s+[a-z-]/.test(m[1])) unsafe.push({ file: rel, line: i + 1, text: m[1] });
        return;
      }
      if (UNSAFE.test(text)) unsafe.push({ file: rel, line: i + 1, text: text.trim() });
      for (const part of stripComment(text).split('&&').map((p) => p.trim())) {
        if (INVOCATION.test(part)) commands.push({ file: rel, line: i + 1, command: part });
      }
    });
  }
  return { commands, unsafe };
}

module.exports = { extractCommands, INVOCATION, UNSAFE };
