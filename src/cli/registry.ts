/** Operator commands beyond `services`, registered by the modules in src/cli/. */
import type { StoreView as Store } from '../store/store.js';

export interface CliIo { out: (s: string) => void; err: (s: string) => void }
/** Returns the exit code: 0 ok, 1 failure, 2 bad input or usage. */
export type CliCommand = (argv: string[], io: CliIo, store: () => Promise<Store>) => Promise<number>;

export const cliCommands = new Map<string, CliCommand>();
