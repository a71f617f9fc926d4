/**
 * Child-process helper for the launcher's persistence test: starts MongoDB on the dbPath given as argv[2]
 * through the launcher, runs one command (argv[3]: "write" or "read"), prints the result as JSON and stops.
 * A separate process per start, as with two `npm start`s (mongodb-memory-server caches ports per process).
 */
import { MongoClient } from "mongodb";
import { launchMongo } from "../../src/mongod/launcher.js";

const [dbPath, command] = process.argv.slice(2);
if (!dbPath || !command) throw new Error("usage: launch-once.ts <dbPath> write|read");
const mongo = await launchMongo({ toolsRoot: process.cwd(), dbPath });
const client = await MongoClient.connect(mongo.uri);
const collection = client.db("persist").collection("c");
if (command === "write") await collection.insertOne({ kept: true });
const doc = await collection.findOne({}, { projection: { _id: 0 } });
await client.close();
await mongo.stop();
process.stdout.write(`${JSON.stringify({ doc, source: mongo.source, version: mongo.version })}\n`);
