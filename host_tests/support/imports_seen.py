# How many times test_overlay.py's sample overlays were imported
# (host_tests/support/overlay_sample.py, overlay_tight.py), and how many more
# imports of overlay_tight.py raise MemoryError.
COUNT = [0]
TIGHT = [0]
TIGHT_FAILS = [0]
