// Runs test modules inside the 32-bit MicroPython WebAssembly VM (small ints are
// 31-bit, like ESP32/RP2040).  Usage: node wasm_runner.mjs REPO_ROOT MODULE...
// The repo's firmware/ and host_tests/ trees (.py and data files) are copied into
// the VM's in-memory filesystem under /repo, which becomes the working directory,
// so tests see the same relative paths as on the host.
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const [root, ...modules] = process.argv.slice(2);
const COPY_DIRS = ["firmware", "host_tests", "boards"];
const COPY_EXT = new Set([".py", ".json", ".mpy"]);
// WASM_COMPILED_DIR: a tree of mpy-cross bytecode to import before the sources
// (what a board loads); used by benchmarks for 32-bit RAM figures.
const COMPILED = process.env.WASM_COMPILED_DIR;

function copyTree(mp, hostDir, vmDir) {
  mp.FS.mkdirTree(vmDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
    const h = path.join(hostDir, entry.name);
    const v = vmDir + "/" + entry.name;
    if (entry.isDirectory()) copyTree(mp, h, v);
    else if (COPY_EXT.has(path.extname(entry.name))) mp.FS.writeFile(v, fs.readFileSync(h));
  }
}

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
if (COMPILED) copyTree(mp, COMPILED, "/compiled");
mp.runPython(`
import sys, os
os.chdir("/repo")
for p in ("/repo/host_tests/fakes", "/repo/host_tests", "/repo/firmware", "/repo/host_tests/harness"):
    sys.path.insert(0, p)
sys.path.append("/repo/boards")
${COMPILED ? 'sys.path.insert(0, "/compiled")' : ""}
`);
let code = 0;
try {
  mp.runPython(`import mprunner\nmprunner.main(${JSON.stringify(modules)})`);
} catch (err) {
  process.stdout.write("wasm runner error: " + err.message + "\n");
  code = 2;
}
process.exit(code);
