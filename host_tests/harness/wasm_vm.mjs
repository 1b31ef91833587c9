// The 32-bit MicroPython WebAssembly VM set up like the other lanes: the repo's
// firmware/, host_tests/ and boards/ trees (.py, .json, .mpy) copied into its
// in-memory filesystem under /repo (the working directory), the same module
// search path, and optionally a tree of mpy-cross bytecode (compiledDir) first.
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const COPY_DIRS = ["firmware", "host_tests", "boards"];
const COPY_EXT = new Set([".py", ".json", ".mpy"]);

export function copyTree(mp, hostDir, vmDir) {
  mp.FS.mkdirTree(vmDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
    const h = path.join(hostDir, entry.name);
    const v = vmDir + "/" + entry.name;
    if (entry.isDirectory()) copyTree(mp, h, v);
    else if (COPY_EXT.has(path.extname(entry.name))) mp.FS.writeFile(v, fs.readFileSync(h));
  }
}

export async function startVM(root, compiledDir) {
  const mp = await loadMicroPython({
    heapsize: 1024 * 1024,
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
    linebuffer: true,
  });
  for (const d of COPY_DIRS) {
    const host = path.join(root, d);
    if (fs.existsSync(host)) copyTree(mp, host, "/repo/" + d);
  }
  if (compiledDir) copyTree(mp, compiledDir, "/compiled");
  mp.runPython(`
import sys, os
os.chdir("/repo")
for p in ("/repo/host_tests/fakes", "/repo/host_tests", "/repo/firmware", "/repo/host_tests/harness"):
    sys.path.insert(0, p)
sys.path.append("/repo/boards")
${compiledDir ? 'sys.path.insert(0, "/compiled")' : ""}
`);
  return mp;
}
