# Meter state in flash (littlefs), power-cut safe.  See README.md.
