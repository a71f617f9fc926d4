/**
 * The TypeScript client as an outside user gets it: `npm pack` of gen/js (package `loom-client`), installed with
 * `examples/typescript` into a directory outside the repository (dependencies from the npm registry), compiled
 * with `tsc`, and run against a real Loom over gRPC, Connect and gRPC-Web.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "../api/support.js";
import { expectHitlOutput, ROOT, runOrThrow, runProgram } from "./programs.js";

let server: ApiServer;
let dir: string;
let app: string;

const readJson = async (file: string) => JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "loom-ts-example-"));
  const packed = await runOrThrow("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: path.join(ROOT, "gen/js"),
  });
  const tarball = packed.trim().split("\n").at(-1) ?? "";
  app = path.join(dir, "app");
  for (const file of ["main.ts", "tsconfig.json", "package.json"]) {
    await cp(path.join(ROOT, "examples/typescript", file), path.join(app, file));
  }
  // What a user outside the repository writes: the packed tarball instead of the in-repo `file:../../gen/js`.
  const pkg = await readJson(path.join(app, "package.json"));
  (pkg.dependencies as Record<string, string>)["loom-client"] = `file:../${tarball}`;
  await writeFile(path.join(app, "package.json"), JSON.stringify(pkg, null, 2));
  await runOrThrow("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: app,
    timeoutMs: 600_000,
  });
  await runOrThrow("npm", ["run", "--silent", "build"], { cwd: app, timeoutMs: 300_000 });
  server = await startApiServer("polyglot_typescript");
}, 900_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("loom-client (gen/js) installed from its npm pack tarball outside the repository", () => {
  it("is the package the README describes, with the runtime versions the server uses", async () => {
    const installed = await readJson(path.join(app, "node_modules/loom-client/package.json"));
    expect(installed.name).toBe("loom-client");
    const root = await readJson(path.join(ROOT, "package.json"));
    const rootDeps = root.dependencies as Record<string, string>;
    expect(installed.peerDependencies).toEqual({
      "@bufbuild/protobuf": rootDeps["@bufbuild/protobuf"],
      "@connectrpc/connect": rootDeps["@connectrpc/connect"],
      "@connectrpc/connect-node": rootDeps["@connectrpc/connect-node"],
    });
    for (const dep of ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node"]) {
      const { version } = await readJson(path.join(app, "node_modules", dep, "package.json"));
      expect(version, dep).toBe(rootDeps[dep]);
    }
  });

  for (const protocol of ["grpc", "connect", "grpc-web"]) {
    it(`examples/typescript over ${protocol}: interrupt, resume, final state, history and a server stream`, async () => {
      const out = await runProgram("node", ["dist/main.js"], {
        cwd: app,
        env: { LOOM_URL: server.baseUrl, LOOM_PROTOCOL: protocol },
      });
      expect(out.code, out.stderr).toBe(0);
      expectHitlOutput(out.stdout);
    });
  }
});
