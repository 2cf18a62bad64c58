// Opening the MongoDB connection every process shares, with timeouts short enough that an
// unreachable database shows up as a failed readiness check instead of a hung request.
import { MongoClient } from 'mongodb';

export async function connectMongo(url: string, opts: { appName: string }): Promise<MongoClient> {
  const client = new MongoClient(url, {
    appName: opts.appName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 50,
  });
  await client.connect();
  return client;
}
