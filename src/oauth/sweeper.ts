import type { Database } from '../db/client.js';
import { oauthRepository } from './oauth.repository.js';

/** Deletes expired oidc-provider rows (and those of deleted grants) every `seconds`; the timer never holds the process. */
export function startSweeper(db: Database, seconds: number, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => void oauthRepository.sweep(db, new Date()).catch(onError), seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
