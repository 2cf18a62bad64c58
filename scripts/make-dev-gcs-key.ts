// Prints a throwaway service-account key for signing URLs against a GCS emulator (docker compose).
// It grants nothing anywhere: the emulator does not check signatures against Google.
import { generateKeyPairSync } from 'node:crypto';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
process.stdout.write(
  JSON.stringify(
    {
      type: 'service_account',
      project_id: 'switchyard-local',
      private_key_id: 'dev',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'switchyard-dev@switchyard-local.iam.gserviceaccount.com',
      client_id: '0',
    },
    null,
    2,
  ) + '\n',
);
