// One line for the user: on stderr in Node (stdout stays the program's), on the console in a browser.

interface NodeStderr {
  process?: { stderr?: { write(text: string): unknown } };
}

export function sayLine(line: string): void {
  const stderr = (globalThis as NodeStderr).process?.stderr;
  if (stderr) stderr.write(`${line}\n`);
  else console.info(line);
}
