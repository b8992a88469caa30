#!/usr/bin/env node
// Entry point for the `leash` CLI: registers the TypeScript loader, then runs the commander program.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv);
