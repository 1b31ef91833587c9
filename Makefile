# Open STS keypad meter: host-side set-up, tests, builds and board workflow.
# Everything installs itself into this checkout (.venv, node_modules).
# Run `make help` for the list of targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_VENV := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
STUBS  := .typings
STAMP_STUBS := $(STUBS)/.installed
ARCHES := armv6m xtensawin rv32imc
PORT   ?= auto
FIRMWARE_PY := $(shell find firmware boards -name '*.py' 2>/dev/null)

.PHONY: help setup test test-cpython test-unix test-wasm build lint bench sim token deploy provision ports vboard reset clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

setup: $(STAMP_VENV) $(STAMP_NODE)  ## install the venv (pinned tools, MicroPython unix VM) and Node packages

$(STAMP_VENV): requirements-dev.txt
	@echo "==> setup 1/2: Python packages into $(VENV) (pinned in requirements-dev.txt; about a minute the first time)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json
	@echo "==> setup 2/2: Node packages (the 32-bit MicroPython VM) into node_modules"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP_STUBS): requirements-stubs.txt $(STAMP_VENV)
	rm -rf $(STUBS)
	$(BIN)/pip install --quiet --disable-pip-version-check --target $(STUBS)/rp2 $$(grep '^micropython-rp2' requirements-stubs.txt)
	$(BIN)/pip install --quiet --disable-pip-version-check --target $(STUBS)/esp32 $$(grep '^micropython-esp32' requirements-stubs.txt)
	# On the device the board file is /board.py (see tools/deploy.py): let pyright resolve `import board`.
	echo 'from rpi_pico import *' > $(STUBS)/rp2/board.pyi
	echo 'from esp32_devkitc import *' > $(STUBS)/esp32/board.pyi
	touch $@

test: setup $(STAMP_STUBS)  ## run the whole suite on cpython, micropython-unix and micropython-wasm32 (lint included)
	$(BIN)/python tools/run_lanes.py

test-cpython: setup $(STAMP_STUBS)  ## run only the cpython lane
	$(BIN)/python tools/run_lanes.py --lane cpython
test-unix: setup  ## run only the micropython-unix lane
	$(BIN)/python tools/run_lanes.py --lane micropython-unix
test-wasm: setup  ## run only the micropython-wasm32 lane
	$(BIN)/python tools/run_lanes.py --lane micropython-wasm32

build: $(STAMP_VENV)  ## compile firmware/ and boards/ to .mpy for armv6m (RP2040), xtensawin (ESP32), rv32imc (ESP32-C3/C6) into build/<arch>/
	$(BIN)/python tools/build_mpy.py $(ARCHES)

lint: $(STAMP_VENV) $(STAMP_STUBS)  ## ruff, and pyright of firmware/ + boards/ against the rp2 and esp32 stubs
	@status=0; \
	echo "==> ruff"; $(BIN)/ruff check . || status=1; \
	echo "==> pyright: firmware/ + boards/rpi_pico*.py against the rp2 stubs"; \
	$(BIN)/pyright -p tools/pyright-rp2.json || status=1; \
	echo "==> pyright: firmware/ + boards/esp32*.py against the esp32 stubs"; \
	$(BIN)/pyright -p tools/pyright-esp32.json || status=1; \
	exit $$status

bench: setup  ## measure speed, allocation, heap and flash wear (figures for the closing notes)
	$(BIN)/python tools/bench.py

sim: setup  ## run the virtual meter (the real firmware in the MicroPython VM)
	$(BIN)/python tools/sim.py

token: $(STAMP_VENV)  ## print a credit token for the demo meter: make token KWH=10
	$(BIN)/python tools/sts.py issue --demo --kwh $(or $(KWH),10)

ports: $(STAMP_VENV)  ## list serial ports, MicroPython boards marked (what PORT=auto picks)
	$(BIN)/python tools/ports.py

vboard: $(STAMP_VENV)  ## run the virtual board (the unix VM behind a serial port) for make deploy BOARD=host
	$(BIN)/python tools/vboard.py --fs vboard-fs --micropypath host_tests/fakes:boards --port-file build/vboard.port

reset: $(STAMP_VENV)  ## soft-reboot a board so the firmware starts; show the boot report: make reset [BOARD=host] [PORT=auto]
	$(BIN)/python tools/ports.py --reset "$(PORT)" --board "$(BOARD)"

deploy: $(STAMP_VENV)  ## copy firmware to a board, verify by sha256: make deploy BOARD=rpi_pico|esp32_devkitc|host [PORT=auto]
	$(BIN)/python tools/deploy.py --board "$(BOARD)" --port "$(PORT)"

provision: $(STAMP_VENV)  ## write a meter identity and key to a board: make provision PROVISION=meter.json [PORT=auto]
	$(BIN)/python tools/provision.py --port "$(PORT)" --board "$(BOARD)" "$(PROVISION)"

clean:  ## remove build output (keeps the venv and node_modules)
	rm -rf build .pytest_cache
