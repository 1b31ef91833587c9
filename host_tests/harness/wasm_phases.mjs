// Runs a probe module's phases in the 32-bit WebAssembly VM, one runPython call
// each, and after each phase collects garbage at the top level and calls
// probe.mark(phase).  (Inside a call, the wasm VM's gc.collect() keeps garbage that
// stale stack words still point at; between calls it frees it.)
// Usage: node wasm_phases.mjs REPO_ROOT MODULE PHASE...   (WASM_COMPILED_DIR as wasm_runner.mjs)
// A PHASE is a call on the probe module, e.g. harness().
// WASM_ROMFS: a ROMFS image file, put at /romfs.img for the probe to mount.
// WASM_BOARD_PATHS=1: the compiled modules are imported as a board imports its files,
// from the working directory through a "" path entry (their __file__ is then
// "meter/app.mpy", as on the board, not "/compiled/meter/app.mpy").
import fs from "node:fs";
import { startVM } from "./wasm_vm.mjs";

const [root, module, ...phases] = process.argv.slice(2);
const mp = await startVM(root, process.env.WASM_COMPILED_DIR);
if (process.env.WASM_ROMFS) mp.FS.writeFile("/romfs.img", fs.readFileSync(process.env.WASM_ROMFS));
if (process.env.WASM_BOARD_PATHS) mp.runPython('import os, sys\nos.chdir("/compiled")\nsys.path[sys.path.index("/compiled")] = ""');
try {
  mp.runPython(`import gc\nimport ${module} as _probe`);
  mp.runPython("gc.collect()\n_probe.mark('start')");
  for (const phase of phases) {
    mp.runPython(`_probe.${phase}`);
    mp.runPython(`gc.collect()\n_probe.mark(${JSON.stringify(phase)})`);
  }
} catch (err) {
  process.stdout.write("wasm phases error: " + err.message + "\n");
  process.exit(2);
}
