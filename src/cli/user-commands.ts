import { createInterface } from 'node:readline';
import type { Config } from '../config.js';
import {
  email as emailSchema,
  password as passwordSchema,
  username as usernameSchema,
} from '../modules/users/users.schemas.js';
import { openOperationRunner, throughOwner } from '../operations/runner.js';

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
  const runner = await openOperationRunner(config, 'user create');
  try {
    const user = await runner.run('user.create', {
      username: username.data,
      email: email.data,
      password,
      superuser: args.superuser,
    });
    return `Created ${user.is_superuser ? 'superuser' : 'user'} ${user.username} (${user.user_id})${throughOwner(runner)}`;
  } finally {
    await runner.close();
  }
}

export async function userPromote(config: Config, login: string) {
  const runner = await openOperationRunner(config, 'user promote');
  try {
    const user = await runner.run('user.promote', { login });
    return `${user.username} is now a superuser${throughOwner(runner)}`;
  } finally {
    await runner.close();
  }
}
