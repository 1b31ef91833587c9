"""Driver benchmark: keypad scan and LCD line write.

Prints the time per call on the MicroPython unix VM (fake pins / a counting I2C
bus, so the figure is the driver's Python cost, not the wire time), the bytes
left allocated on the 32-bit wasm VM and the unix VM, and the I2C time one
16-character line takes at 100 kHz (computed from the payload).
Run from the repo root: .venv/bin/python tools/benches/bench_drivers.py
"""

import os
import subprocess
import sys

ROOT = os.getcwd()
PATH = [os.path.join(ROOT, p) for p in ("firmware", "host_tests", "host_tests/fakes")]
MARK = "@@BENCH "
I2C_HZ = 100000
LCD_LINE_TRANSACTIONS = 17  # one DDRAM address command + 16 characters


def _collect(cmd, env):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK):] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write("bench_drivers: %s failed:\n%s%s\n" % (cmd[0], proc.stdout[-2000:], proc.stderr[-2000:]))
    return lines


def micropython_unix():
    env = dict(os.environ, MICROPYPATH=":".join(PATH))
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-c",
           "import drivers_bench_probe as p; p.test_probe(2000)"]
    return ["micropython-unix " + line for line in _collect(cmd, env)]


def micropython_wasm32():
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"))
    cmd = ["node", os.path.join(ROOT, "host_tests", "harness", "wasm_runner.mjs"), ROOT, "drivers_bench_probe"]
    # ticks_us has 1 ms resolution in the wasm VM: only its allocation figures count.
    return ["micropython-wasm32 " + line for line in _collect(cmd, env) if "allocated" in line]


def wire_time(lines):
    for line in lines:
        if "i2c payload" in line:
            payload = int(line.split(":")[1].split()[0])
            bits = (payload + LCD_LINE_TRANSACTIONS) * 9  # + one address byte per transaction; 8 bits + ACK
            return ["lcd write_line wire time at %d kHz (computed): %.1f ms" % (I2C_HZ // 1000, bits * 1000 / I2C_HZ)]
    return []


def main():
    unix = micropython_unix()
    wasm = micropython_wasm32()
    for line in unix + wasm + wire_time(unix):
        print(line)
    return 0 if unix and wasm else 1


if __name__ == "__main__":
    sys.exit(main())
