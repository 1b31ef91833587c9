"""Driver benchmark: keypad scan, LCD line write, RTC read and buzzer tick.

Prints the time per call on the MicroPython unix VM (fake pins / a counting I2C
bus, so the figure is the driver's Python cost, not the wire time), the bytes
left allocated on the 32-bit wasm VM and the unix VM, and the I2C time one
16-character line takes at 100 kHz (computed from the payload).
Run from the repo root: .venv/bin/python tools/benches/bench_drivers.py
"""

import sys

import benchlib

I2C_HZ = 100000
LCD_LINE_TRANSACTIONS = 17  # one DDRAM address command + 16 characters


def micropython_unix():
    lines = benchlib.unix("drivers_bench_probe", "test_probe(2000)", "bench_drivers")
    return ["micropython-unix " + line for line in lines]


def micropython_wasm32():
    # ticks_us has 1 ms resolution in the wasm VM: only its allocation figures count.
    lines = benchlib.wasm("drivers_bench_probe", "bench_drivers")
    return ["micropython-wasm32 " + line for line in lines if "allocated" in line]


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
