#!/usr/bin/env python3
# ruff: noqa: F821  (include/package/module are provided by MicroPython's manifest tool)
"""A MicroPython manifest that freezes the meter firmware into the port's image:

    cd micropython/ports/esp32
    make BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/this/repo/tools/freeze_manifest.py

(ports/rp2 works the same way.)  Frozen bytecode runs from flash, so the
firmware's modules cost almost no heap: the way to run this meter on an
ESP32 without PSRAM.  main.py and board.py stay on the filesystem: deploy
them with `make deploy`.  Paths below are relative to this file.
"""
if "include" not in globals():  # run as a program (e.g. --help), not read by the port's manifest tool
    import sys

    print(__doc__.strip())
    sys.exit(0 if sys.argv[1:] in ([], ["-h"], ["--help"]) else 2)

include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules (asyncio, ...)

FIRMWARE = "../firmware"
for name in ("sts", "store", "drivers", "meter"):
    package(name, base_path=FIRMWARE)
for name in ("clock.py", "overlay.py"):
    module(name, base_path=FIRMWARE)
