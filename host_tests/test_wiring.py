# The pin table in boards/README.md and the wiring pictures are generated from
# the board files' PINS: fail when someone changed one without the others.
import subprocess
import sys


def test_pin_table_and_wiring_pictures_are_up_to_date():
    proc = subprocess.run([sys.executable, "tools/wiring.py", "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
