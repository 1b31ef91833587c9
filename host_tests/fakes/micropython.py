# CPython stand-in for MicroPython's built-in `micropython` module, so firmware
# modules import unchanged under pytest and in the host tools.  Inside a
# MicroPython VM the built-in module always wins over this file.


def const(value):
    return value


def native(fn):
    return fn


def viper(fn):
    return fn


def heap_lock():
    return 0


def heap_unlock():
    return 0


def mem_info(*_args):
    pass


interrupt_char = 3  # as set by kbd_intr: 3 (Ctrl-C raises KeyboardInterrupt) or -1 (an ordinary byte)


def kbd_intr(char):
    global interrupt_char
    interrupt_char = char
