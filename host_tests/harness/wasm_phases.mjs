// Runs a probe module's phases in the 32-bit WebAssembly VM, one runPython call
// each, and after each phase collects garbage at the top level and calls
// probe.mark(phase).  (Inside a call, the wasm VM's gc.collect() keeps garbage that
// stale stack words still point at; between calls it frees it.)
// Usage: node wasm_phases.mjs REPO_ROOT MODULE PHASE...   (WASM_COMPILED_DIR as wasm_runner.mjs)
// A PHASE is a call on the probe module, e.g. harness() or imp('sts.sta').
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const [root, module, ...phases] = process.argv.slice(2);
const COMPILED = process.env.WASM_COMPILED_DIR;

function copyTree(mp, hostDir, vmDir) {
  mp.FS.mkdirTree(vmDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
    const h = path.join(hostDir, entry.name);
    if (entry.isDirectory()) copyTree(mp, h, vmDir + "/" + entry.name);
    else if ([".py", ".json", ".mpy"].includes(path.extname(entry.name))) mp.FS.writeFile(vmDir + "/" + entry.name, fs.readFileSync(h));
  }
}

const mp = await loadMicroPython({
  heapsize: 1024 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
  linebuffer: true,
});
for (const d of ["firmware", "host_tests", "boards"]) copyTree(mp, path.join(root, d), "/repo/" + d);
if (COMPILED) copyTree(mp, COMPILED, "/compiled");
// WASM_ROMFS: a ROMFS image file, put at /romfs.img for the probe to mount.
if (process.env.WASM_ROMFS) mp.FS.writeFile("/romfs.img", fs.readFileSync(process.env.WASM_ROMFS));
mp.runPython(`
import sys, os
os.chdir("/repo")
for p in ("/repo/host_tests/fakes", "/repo/host_tests", "/repo/firmware", "/repo/host_tests/harness"):
    sys.path.insert(0, p)
sys.path.append("/repo/boards")
${COMPILED ? 'sys.path.insert(0, "/compiled")' : ""}
import gc
`);
try {
  mp.runPython(`import ${module} as _probe`);
  mp.runPython("gc.collect()\n_probe.mark('start')");
  for (const phase of phases) {
    mp.runPython(`_probe.${phase}`);
    mp.runPython(`gc.collect()\n_probe.mark(${JSON.stringify(phase)})`);
  }
} catch (err) {
  process.stdout.write("wasm phases error: " + err.message + "\n");
  process.exit(2);
}
