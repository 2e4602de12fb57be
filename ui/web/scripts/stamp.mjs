// Writes ../dist/source.sha256: a digest of every source file the build
// read (not node_modules), so `go test ./ui` can tell, without Node, that
// the committed dist/ was built from the committed sources. The Go side
// (ui/stamp.go) computes the same digest the same way.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const skip = new Set(["node_modules"]);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name) || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(relative(root, p).split(sep).join("/"));
  }
  return out;
}

const files = walk(root, []).sort();
const all = createHash("sha256");
for (const f of files) {
  const h = createHash("sha256").update(readFileSync(join(root, f))).digest("hex");
  all.update(`${f}\0${h}\n`);
}
writeFileSync(join(root, "..", "dist", "source.sha256"), all.digest("hex") + "\n");
