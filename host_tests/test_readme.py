# README.md shows what the firmware really does: its LCD captures are made by
# tools/lcd_captures.py from the real firmware on the device models.
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_lcd_captures_are_current():
    proc = subprocess.run([sys.executable, "tools/lcd_captures.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
