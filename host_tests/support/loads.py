# overlay.load as the tests need it: a record of the modules the meter loads, and
# a heap with no room for some of them (a stand-in for one too fragmented to load
# them: MemoryError).  A context manager: the real load is back on the way out,
# whatever the test's block raised.  overlay.run and overlay.attribute load through
# overlay.load, so they meet the stand-in too.
import overlay


class OverlayLoads:
    def __init__(self, no_room_for=()):
        self.no_room_for = no_room_for
        self.names = []  # every module asked for, in order

    def __enter__(self):
        real = self._real = overlay.load

        def load(name):
            self.names.append(name)
            if name in self.no_room_for:
                raise MemoryError("memory allocation failed (stand-in)")
            return real(name)

        overlay.load = load
        return self

    def __exit__(self, *exc):
        overlay.load = self._real
