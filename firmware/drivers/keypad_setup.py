# Keypad set-up, run once when the driver is built: the settings checked and
# the matrix lines configured.  An overlay (firmware/overlay.py) of
# drivers/keypad.py, dropped after the call.
#
# The driven lines are open-drain outputs, idle released; the sensed lines are
# inputs with pull-ups (drivers/keypad.py says why).


def wire(rows, cols, drive_rows, debounce_ms, long_ms, stuck_ms, queue_len):
    """(driven lines, sensed lines) as tuples, configured; ValueError for bad settings."""
    if not (1 <= len(rows) <= 4 and 1 <= len(cols) <= 4):
        raise ValueError("keypad needs 1-4 rows and 1-4 columns")
    if not (0 <= debounce_ms < long_ms < stuck_ms):
        raise ValueError("need 0 <= debounce_ms < long_ms < stuck_ms")
    if queue_len < 1:
        raise ValueError("queue_len must be at least 1")
    drive = tuple(rows) if drive_rows else tuple(cols)
    sense = tuple(cols) if drive_rows else tuple(rows)
    for pin in drive:
        pin.init(pin.OPEN_DRAIN, None, value=1)
    for pin in sense:
        pin.init(pin.IN, pin.PULL_UP)
    return drive, sense
