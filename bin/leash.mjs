#!/usr/bin/env node
// Entry point for the `leash` CLI: registers the TypeScript loader, then runs the commander program.
import { register } from 'tsx/esm/api';

// Piping into `head` closes stdout early: that is not an error for a command-line tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv);
