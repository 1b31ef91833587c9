// Runs test modules inside the 32-bit MicroPython WebAssembly VM (small ints are
// 31-bit, like ESP32/RP2040).  Usage: node wasm_runner.mjs REPO_ROOT MODULE...
// The repo's firmware/ and host_tests/ trees (.py and data files) are copied into
// the VM's in-memory filesystem under /repo, which becomes the working directory,
// so tests see the same relative paths as on the host (wasm_vm.mjs).
// WASM_COMPILED_DIR: a tree of mpy-cross bytecode to import before the sources
// (what a board loads); used by benchmarks for 32-bit RAM figures.
import { startVM } from "./wasm_vm.mjs";

const [root, ...modules] = process.argv.slice(2);
const mp = await startVM(root, process.env.WASM_COMPILED_DIR);
let code = 0;
try {
  mp.runPython(`import mprunner\nmprunner.main(${JSON.stringify(modules)})`);
} catch (err) {
  process.stdout.write("wasm runner error: " + err.message + "\n");
  code = 2;
}
process.exit(code);
