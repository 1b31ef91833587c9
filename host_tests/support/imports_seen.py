# How many times host_tests/support/overlay_sample.py was imported (test_overlay.py).
COUNT = [0]
