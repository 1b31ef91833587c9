#!/usr/bin/env python3
"""Damage campaign of the store on both board layouts (make bench): runs
tools/damage.py with 1,000 random cases per layout plus every used block wiped,
and prints its counts (damage_cases, damage_more_credit, damage_silent_loss,
damage_replay_gain, ...)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.exit(subprocess.run([sys.executable, os.path.join(ROOT, "tools", "damage.py"), "--cases", "1000"], cwd=ROOT)
         .returncode)
