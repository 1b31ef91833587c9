#!/usr/bin/env python3
"""The virtual meter: firmware/main.py, unchanged, in the MicroPython unix VM
with the simulator board (boards/sim.py: keypad, LCD and ATM90E26 models, a
flash image file that keeps credit and history between runs).

    tools/sim.py                 interactive: LCD on the terminal, keys typed
    tools/sim.py --headless      the meter's console on stdin/stdout, plus `sim ...`

This program supervises the VM: `sim power on` ends the VM (a power cut
loses everything in RAM) and a new one boots from the same flash image. The VM
never outlives this program: it runs in its own process group, is stopped on
exit, SIGTERM or SIGINT, and (Linux) is killed by the kernel if this program is.

A flash image belongs to one meter: started with a provisioning file for another
meter (PAN or key data differ from the boot report), the simulator refuses with
one line and exit code 1 instead of running the old meter under the new name.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import atexit
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.append(os.path.join(ROOT, "host_tests", "fakes"))
import board_layouts  # noqa: E402

MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
SIM_DIR = os.path.join(ROOT, "build", "sim")
REBOOT_EXIT_CODE = 75  # boards/sim.py: "power on" -> start a fresh VM
WDT_RESET = 3  # machine.WDT_RESET in host_tests/fakes/machine.py: the reset cause after the watchdog fires
PWRON_RESET = 1
INTERRUPT_CHAR = 3  # Ctrl-C: a board's UART/USB driver turns it into KeyboardInterrupt while kbd_intr allows
DEMO_METER = os.path.join(ROOT, "tools", "demo_meter.json")
PROVISION_KEYS = ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea", "decoder_key")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--headless", action="store_true", help="console on stdin/stdout (for scripts and tests)")
    p.add_argument("--flash", default=os.path.join(ROOT, "sim-flash.img"),
                   help="the board's whole flash image (kept between runs; wear counts in FLASH.wear)")
    p.add_argument("--layout", choices=sorted(board_layouts.LAYOUTS), default=board_layouts.DEFAULT_LAYOUT,
                   help="the board whose flash (geometry, partitions, littlefs settings) is modelled")
    p.add_argument("--provision", help="meter identity JSON (default: the demo meter, tools/demo_meter.json)")
    p.add_argument("--load-watts", type=int, default=0, help="load on the meter")
    p.add_argument("--speed", type=int, default=1, help="simulated seconds per real second")
    p.add_argument("--engineering", action="store_true", help="engineering jumper fitted (calibration, relay test)")
    p.add_argument("--heap", default="1024wK", help="MicroPython heap, e.g. 128wK (the size of a board's heap)")
    p.add_argument("--rtc", choices=("none", "battery", "no-battery"), default="battery",
                   help="DS3231 clock on the LCD's bus: absent, battery-backed, or losing its time at power cuts")
    p.add_argument("--config", help="JSON file of MeterConfig keys to override (e.g. friendly_hours, tz_offset_min)")
    p.add_argument("--mpy", action="store_true", help="import mpy-cross bytecode, as deployed, instead of source")
    return p.parse_args(argv)


def demo_provision_file():
    """The demo meter's identity in exactly the provisioning format."""
    with open(DEMO_METER) as f:
        doc = json.load(f)
    os.makedirs(SIM_DIR, exist_ok=True)
    path = os.path.join(SIM_DIR, "demo_provision.json")
    with open(path, "w") as f:
        json.dump({k: doc[k] for k in PROVISION_KEYS}, f)
    return path


def read_json_file(path, what):
    """The JSON document in path, or exit with one line naming `what` it is."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        sys.exit("sim: cannot read %s file %s: %s" % (what, path, exc))


def check_provision_file(path):
    doc = read_json_file(path, "provisioning")
    if not isinstance(doc, dict) or sorted(doc) != sorted(PROVISION_KEYS):
        sys.exit("sim: provisioning file needs exactly the keys: " + ", ".join(PROVISION_KEYS))


def check_config_file(path):
    """The --config JSON, checked here with the firmware's own MeterConfig (a
    typo is one line, not a traceback from the VM)."""
    doc = read_json_file(path, "config")
    if not isinstance(doc, dict):
        sys.exit("sim: the config file must hold a JSON object of MeterConfig keys")
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from meter.config import MeterConfig
    from meter.friendly import Friendly

    try:
        Friendly(MeterConfig(**doc))
    except ValueError as exc:
        sys.exit("sim: config file %s: %s" % (path, exc))


def vm_command(args):
    """The MicroPython command line and environment for one boot."""
    os.makedirs(SIM_DIR, exist_ok=True)
    with open(os.path.join(SIM_DIR, "board.py"), "w") as f:
        f.write("# generated by tools/sim.py: the simulator board as `board`\nfrom sim import *  # noqa: F403\n")
    path = [SIM_DIR, os.path.join(ROOT, "firmware"), os.path.join(ROOT, "boards"),
            os.path.join(ROOT, "host_tests", "fakes"), ".frozen"]
    provision = args.provision or demo_provision_file()
    check_provision_file(provision)
    time_file = args.flash + ".time"
    env = dict(os.environ, MICROPYPATH=":".join(path), SIM_FLASH=args.flash, SIM_PROVISION=provision,
               SIM_LOAD_W=str(args.load_watts), SIM_SPEED=str(args.speed), SIM_TIME_FILE=time_file,
               SIM_ENGINEERING="1" if args.engineering else "0", SIM_KBD_FILE=kbd_file(args),
               SIM_WDT_FILE=wdt_file(args), SIM_RTC=args.rtc, SIM_RTC_FILE=args.flash + ".rtc")
    if args.config:
        check_config_file(args.config)
        env["SIM_CONFIG"] = os.path.abspath(args.config)
    if os.path.exists(time_file):
        with open(time_file) as f:
            env["SIM_START_S"] = f.read().strip()
    env.update(flash_env(args))
    if args.mpy:  # bytecode as on a board (importing source costs the parser's RAM too)
        sys.path.insert(0, os.path.join(ROOT, "host_tests"))
        from conftest import COMPILED_DIR, compile_for_host

        compile_for_host()
        env["MICROPYPATH"] = ":".join([SIM_DIR, COMPILED_DIR, ".frozen"])
    return [MICROPYTHON, "-X", "heapsize=" + args.heap, os.path.join(ROOT, "firmware", "main.py")], env


def flash_env(args):
    """SIM_LAYOUT, and for an image whose filesystem region is still blank the
    deploy plan: the files `make deploy` would copy (.mpy with --mpy)."""
    lay = board_layouts.layout(args.layout)
    env = {"SIM_LAYOUT": args.layout}
    if os.path.exists(args.flash):
        size = os.path.getsize(args.flash)
        if size != lay["flash_bytes"]:
            sys.exit("sim: %s is %d bytes, not a %s flash (%d bytes): pick its --layout, use another --flash, "
                     "or delete it (its credit and history go with it)" % (args.flash, size, args.layout,
                                                                           lay["flash_bytes"]))
        with open(args.flash, "rb") as f:
            f.seek(lay["fs_offset"])
            if f.read(32) != b"\xff" * 32:
                return env  # formatted and deployed already
    import deploy

    plan = deploy.plan_files(args.layout, use_mpy=args.mpy)
    path = os.path.join(SIM_DIR, "deploy_plan.txt")
    with open(path, "w") as f:
        f.writelines("%s\t%s\n" % pair for pair in plan)
    env["SIM_DEPLOY_PLAN"] = path
    return env


def _die_with_parent():
    """In the VM's process, before exec: the kernel kills it when the thread that
    started it dies (Linux PR_SET_PDEATHSIG), even if that is by SIGKILL."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: stop() on exit and on SIGTERM/SIGINT still ends the VM


def expected_identity(path):
    """The boot report lines a meter provisioned from this file shows."""
    with open(path) as f:
        doc = json.load(f)
    return ["meter pan=%s" % doc["pan"],
            "keys ea=%02d krn=%d kt=%d ti=%02d sgc=%06d ken=%d base_date=%d" % (
                int(doc["ea"]), doc["krn"], doc["kt"], int(doc["ti"]), int(doc["sgc"]), doc["ken"],
                doc["base_date"])]


def identity_refusal(args, provision, report):
    """None, or the one line that refuses a provisioning file for another meter than the image's."""
    shown = [line for line in report if line.startswith(("meter pan=", "keys "))]
    shown = [line.split(" mfr_code=")[0] for line in shown]
    if not shown or shown == expected_identity(provision):
        return None
    return ("sim: refused: %s holds %s, but %s says %s; use another --flash for that meter, or delete %s "
            "(its credit and history go with it)" % (args.flash, ", ".join(shown), args.provision or "the demo meter",
                                                      ", ".join(expected_identity(provision)), args.flash))


def wdt_file(args):
    """Touched by the VM at every watchdog feed (boards/sim.py): its age is the watchdog's count."""
    return args.flash + ".wdt"


def kbd_file(args):
    """Where the VM's sim board records its interrupt character (boards/sim.py kbd_intr)."""
    return args.flash + ".kbd"


class Supervisor:
    """Runs the VM, restarts it on power-on, and passes console bytes through
    unchanged, as a UART does (only the interrupt character is the port's)."""

    running = []  # every started supervisor, stopped at exit (see main)

    def __init__(self, args, on_line):
        self.args = args
        self.on_line = on_line  # called with every line the VM prints
        self.proc = None
        self.ready = threading.Event()
        self.lock = threading.Lock()
        self.stopping = False
        self.refusal = None  # set at boot when the provisioning file is for another meter
        self.watchdog_fired = False

    def start(self):
        self._spawn()
        Supervisor.running.append(self)
        # This one thread starts every later VM too: a VM is bound to the life of the thread that started it.
        threading.Thread(target=self._pump, daemon=True).start()

    def _spawn(self, reset_cause=PWRON_RESET):
        cmd, env = vm_command(self.args)
        env["SIM_RESET_CAUSE"] = str(reset_cause)
        self.provision = env["SIM_PROVISION"]
        self.ready.clear()
        self.watchdog_fired = False
        for path in (kbd_file(self.args), wdt_file(self.args)):
            if os.path.exists(path):
                os.remove(path)  # a new VM: Ctrl-C enabled and no watchdog running, as after a board's reset
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        threading.Thread(target=self._watchdog, args=(self.proc,), daemon=True).start()

    def _watchdog(self, proc):
        """The board's watchdog timer, outside the CPU: once started (the file
        exists) it resets the VM when no feed touched the file for its timeout."""
        path = wdt_file(self.args)
        while proc.poll() is None:
            time.sleep(0.1)
            try:
                with open(path) as f:
                    timeout_s = int(f.read().strip()) / 1000
                age = time.time() - os.path.getmtime(path)
            except (OSError, ValueError):
                continue  # not started yet (or being written)
            if age > timeout_s and proc.poll() is None:
                self.watchdog_fired = True
                proc.kill()  # _pump starts the new VM (a VM lives as long as the thread that started it)
                return

    def _pump(self):
        rebooting = False
        while True:
            proc, report = self.proc, []
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("[info] ") and not self.ready.is_set():
                    report.append(line[7:])
                if line == "[info] ready":
                    self.refusal = identity_refusal(self.args, self.provision, report)
                    self.ready.set()
                self.on_line(line)
                if line == "[info] ready" and rebooting:
                    self.on_line("OK")  # the reply to `sim power on`
                    rebooting = False
            code = proc.wait()
            if self.watchdog_fired and not self.stopping:
                self._spawn(WDT_RESET)  # the board restarts: a new VM on the same flash
                continue
            if code == REBOOT_EXIT_CODE and not self.stopping:
                self._spawn()  # power on: boot again from the flash image
                rebooting = True
                continue
            if code != 0 and not self.stopping:
                self.on_line("ERR virtual meter stopped (exit code %d)" % code)
                self.ready.set()
            return

    def wait_boot(self, timeout=60):
        """Wait for the meter to be ready; exit with one line if it is not, or refuses the provisioning."""
        if not self.ready.wait(timeout):
            self.stop()
            sys.exit("sim: the virtual meter did not boot within %d s" % timeout)
        if self.refusal:
            self.stop()
            sys.exit(self.refusal)

    def send(self, data):
        """Console input: bytes exactly as given, or a str as one line."""
        if isinstance(data, str):
            data = (data.rstrip("\n") + "\n").encode()
        with self.lock:
            try:
                parts = data.split(bytes([INTERRUPT_CHAR]))
                for i, part in enumerate(parts):
                    if i > 0:
                        self._interrupt_char()
                    self.proc.stdin.write(part)
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                self.on_line("ERR virtual meter not running")

    def interrupt_enabled(self):
        try:
            with open(kbd_file(self.args)) as f:
                return int(f.read().strip() or INTERRUPT_CHAR) == INTERRUPT_CHAR
        except (OSError, ValueError):
            return True  # never set: the port's default

    def _interrupt_char(self):
        """The unix VM raises KeyboardInterrupt on SIGINT while kbd_intr is 3, and
        dies of SIGINT after kbd_intr(-1); a board raises on the byte, or passes it on."""
        if self.interrupt_enabled():
            self.proc.stdin.flush()
            self.proc.send_signal(signal.SIGINT)
        else:
            self.proc.stdin.write(bytes([INTERRUPT_CHAR]))

    def stop(self):
        """End the VM and anything it started (its process group)."""
        self.stopping = True
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass


def stop_all():
    for sup in Supervisor.running:
        sup.stop()


def _exit_on_signal(signum, _frame):
    sys.exit(128 + signum)  # unwinds through the finally blocks; atexit stops the VM


def run_headless(args):
    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    sup = Supervisor(args, out)
    sup.start()
    sup.wait_boot()
    for raw in sys.stdin.buffer:  # bytes: the console gets them unchanged
        sup.ready.wait(60)  # after `sim power on`, wait for the new boot
        if raw.strip() in (b"quit", b"exit"):
            break
        if raw.strip() == b"sim power on":
            sup.ready.clear()
        sup.send(raw)
    # let the last reply arrive, then stop
    time.sleep(0.5)
    sup.stop()
    return 0


def main(argv):
    args = parse_args(argv)
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)  # Ctrl-C: leave without a traceback
    signal.signal(signal.SIGHUP, _exit_on_signal)  # the terminal closed
    if not os.path.exists(MICROPYTHON):
        sys.exit("sim: %s missing: run `make setup` first" % MICROPYTHON)
    if args.headless:
        return run_headless(args)
    from sim_screen import run_interactive

    return run_interactive(args, Supervisor)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
