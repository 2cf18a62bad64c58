// A throwaway service-account key for signing URLs against a GCS emulator (docker compose). It
// grants nothing anywhere: the emulator does not check signatures against Google.
//   make-dev-gcs-key.ts              prints a new key
//   make-dev-gcs-key.ts --out FILE   writes a new key to FILE unless FILE already holds one (the
//                                    compose stack's one-shot `gcs-key` service, on every `up`)
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

function newKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    type: 'service_account',
    project_id: 'switchyard-local',
    private_key_id: 'dev',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'switchyard-dev@switchyard-local.iam.gserviceaccount.com',
    client_id: '0',
  };
  return JSON.stringify(key, null, 2) + '\n';
}

/** Whether `file` already holds a key this script made (anything else there is an error, not ours to replace). */
function holdsKey(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const key = JSON.parse(text) as { type?: unknown; private_key?: unknown };
  if (key.type !== 'service_account' || typeof key.private_key !== 'string') throw new Error(`${file} is not a service-account key`);
  return true;
}

const outAt = process.argv.indexOf('--out');
if (outAt === -1) {
  process.stdout.write(newKey());
} else {
  const file = process.argv[outAt + 1];
  if (!file) throw new Error('--out needs a file');
  if (holdsKey(file)) {
    process.stdout.write(`kept the signing key in ${file}\n`);
  } else {
    // 'wx': never overwrite a key another container wrote meanwhile.
    writeFileSync(file, newKey(), { flag: 'wx', mode: 0o600 });
    process.stdout.write(`made a signing key in ${file}\n`);
  }
}
