import { createInterface } from 'node:readline';
import { JwtService } from '../auth/jwt.js';
import type { Config } from '../config.js';
import { migrate } from '../db/migrate.js';
import { AppError } from '../errors.js';
import { usersRepository } from '../modules/users/users.repository.js';
import {
  email as emailSchema,
  password as passwordSchema,
  username as usernameSchema,
} from '../modules/users/users.schemas.js';
import { createUsersService } from '../modules/users/users.service.js';
import { openConfiguredDatabase } from '../server.js';

/** Reads a password from a hidden TTY prompt, or the first line of stdin when piped. */
async function readPassword(): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input, output: process.stdout, terminal: true });
      // Echo the prompt but not the typed characters.
      const muted = rl as unknown as { _writeToOutput: (s: string) => void };
      muted._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stdout.write(question);
      };
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('Password: ');
  const second = await ask('Repeat password: ');
  if (first !== second) throw new Error('The passwords do not match');
  return first;
}

export async function userCreate(
  config: Config,
  args: { username: string; email: string; superuser: boolean },
) {
  // The same rules as registration over REST, checked before asking for the password.
  const username = usernameSchema.safeParse(args.username);
  if (!username.success) throw new Error(`Username ${username.error.issues[0]?.message ?? 'is invalid'}`);
  const email = emailSchema.safeParse(args.email);
  if (!email.success) throw new Error(`Email ${email.error.issues[0]?.message ?? 'is invalid'}`);
  const password = await readPassword();
  const checked = passwordSchema.safeParse(password);
  if (!checked.success) throw new Error(`Password ${checked.error.issues[0]?.message ?? 'is invalid'}`);
  const handle = await openConfiguredDatabase(config);
  try {
    await migrate(handle.db);
    // Registration signs no tokens; a throwaway key satisfies the service's dependencies.
    const jwt = new JwtService({ secret: 'x'.repeat(32), algorithm: 'HS256', accessTokenMinutes: 1 });
    const users = createUsersService({ db: handle.db, jwt, config });
    const user = await users.register({
      username: username.data,
      email: email.data,
      password,
      isSuperuser: args.superuser,
    });
    return `Created ${user.is_superuser ? 'superuser' : 'user'} ${user.username} (${user.user_id})`;
  } catch (error) {
    if (error instanceof AppError) throw new Error(error.message);
    throw error;
  } finally {
    await handle.close();
  }
}

export async function userPromote(config: Config, login: string) {
  const handle = await openConfiguredDatabase(config);
  try {
    await migrate(handle.db);
    const user = await usersRepository.findByLogin(handle.db, login);
    if (!user) throw new Error(`No user with username or email "${login}"`);
    await usersRepository.update(handle.db, user.id, { isSuperuser: true });
    return `${user.username} is now a superuser`;
  } finally {
    await handle.close();
  }
}
