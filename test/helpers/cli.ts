/**
 * Runs the `leash` program in-process, as a test of the whole command: commander parsing, the
 * command, its exit code, and what it wrote to stdout and stderr (captured, not printed).
 */
import { vi } from 'vitest';
import { main } from '#cli/index.ts';

/** What one run of the program did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `leash ...args` and returns its exit code and output.
 * @param args the arguments after `leash`
 */
export async function runLeash(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(['node', 'leash', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
