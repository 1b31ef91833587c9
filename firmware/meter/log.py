# A small levelled logger for the serial console.  Lines go to an injected
# writer (print on the board); the level can be changed at run time with the
# console's `loglevel` command.
from micropython import const

_LEVELS = const(("error", "warn", "info", "debug"))


class Log:
    def __init__(self, write=print, level="info", clock=None):
        self._write = write
        self.level = _LEVELS.index(level)
        self.clock = clock

    def set_level(self, name):
        if name not in _LEVELS:
            raise ValueError("level must be one of: " + " ".join(_LEVELS))
        self.level = _LEVELS.index(name)

    @property
    def level_name(self):
        return _LEVELS[self.level]

    def _emit(self, level, text):
        if level <= self.level:
            self._write("[%s] %s" % (_LEVELS[level], text))

    def error(self, text):
        self._emit(0, text)

    def warn(self, text):
        self._emit(1, text)

    def info(self, text):
        self._emit(2, text)

    def debug(self, text):
        self._emit(3, text)
