import { spawn } from 'node:child_process';
import type { Config } from '../config.js';
import { embeddedDatabaseExists } from '../db/client.js';

/**
 * On the very first start in embedded mode, creates the database and its schema in a short-lived child
 * process (`ainstruct migrate`) before the server opens it. Creating them runs initdb and every migration in
 * PGlite, whose WebAssembly memory only grows; in the server process that memory (~150 MB) would stay resident
 * for as long as it runs, while a child gives all of it back when it exits.
 */
export async function createEmbeddedDatabaseFirst(config: Config): Promise<void> {
  const script = process.argv[1];
  if (config.databaseUrl || embeddedDatabaseExists(config.DATA_DIR) || !script) return;
  const child = spawn(process.execPath, [...process.execArgv, script, 'migrate'], {
    env: process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    errors += text;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`creating the embedded database failed:\n${errors.trim()}`);
}
