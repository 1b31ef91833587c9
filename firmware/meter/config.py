# The meter's parameters as attributes (config.poll_ms, ...).  Their defaults
# and checks are in meter/settings.py, an overlay read once when the config is
# made at boot: only the attributes stay in the heap.
import overlay


class MeterConfig:
    """Attribute access to the parameters (meter/settings.py lists them);
    ValueError for an unknown or ill-typed one."""

    def __init__(self, **overrides):
        overlay.run("meter.settings", "configure", self, overrides)
