import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute paths of the executables in the project-local Python venv (`.venv`). */
export interface PythonEnv {
  /** The venv's `bin` directory. */
  readonly binDir: string;
  /** The venv's Python interpreter. */
  readonly python: string;
  /** cfn-lint, which lints synthesized CloudFormation templates. */
  readonly cfnLint: string;
  /** moto's standalone server, the loopback AWS API of the integration tests. */
  readonly motoServer: string;
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Locates the venv that `scripts/setup-python-env.sh` creates and checks that its tools are there.
 *
 * @param root the repository root holding `.venv`; tests of this helper pass a temporary directory
 * @returns the absolute paths of the venv's executables
 * @throws Error naming the missing executable and the command that installs it
 */
export function pythonEnv(root: string = REPO_ROOT): PythonEnv {
  // Windows venvs use Scripts\ and .exe; Leash's tests and CI run on Linux and macOS only.
  const binDir = join(root, '.venv', 'bin');
  const env: PythonEnv = {
    binDir,
    python: join(binDir, 'python'),
    cfnLint: join(binDir, 'cfn-lint'),
    motoServer: join(binDir, 'moto_server'),
  };
  for (const executable of [env.python, env.cfnLint, env.motoServer]) {
    if (!existsSync(executable)) {
      throw new Error(
        `${executable} is missing: the project's Python tools (cfn-lint, moto) are not installed. ` +
          'Run `bash scripts/setup-python-env.sh` from the repository root, then rerun the tests.',
      );
    }
  }
  return env;
}
