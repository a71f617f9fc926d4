/**
 * A persistent replica set records its members' `host:port` in its own config, so a restart on another port
 * never finds a primary. The first start picks a free port and remembers it beside the data.
 */
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";

const PORT_FILE = "loom-mongod.port";

/** A TCP port on 127.0.0.1 free at the time of the call (the OS's pick for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port the replica set in `dbPath` was first started on, or a new free port recorded for next time.
 * Ports are TCP ports on 127.0.0.1.
 */
export async function persistentPort(dbPath: string): Promise<number> {
  const file = path.join(dbPath, PORT_FILE);
  try {
    const port = Number.parseInt(await readFile(file, "utf8"), 10);
    if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  } catch {
    // first start: no file yet
  }
  const port = await freePort();
  await writeFile(file, `${port}\n`);
  return port;
}
