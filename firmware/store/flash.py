# Mounting a littlefs on a block device: the simulator, the tests and an ESP32
# with its own `meter` data partition.  A board that keeps the store on the
# port's own filesystem (store/volume.py PortFs) never loads this module.
# Reached as store.volume.mount_flash etc. (volume.py's module __getattr__),
# an overlay: loaded for that use and dropped after it (firmware/overlay.py).
from micropython import const
from store.volume import StorageFault

try:
    import vfs as _vfs  # MicroPython 1.23+
except ImportError:  # CPython hosts (tests, tools): littlefs-python behind the same API
    import host_vfs as _vfs  # pyright: ignore[reportMissingImports]

_BLANK_CHUNK = const(256)


def is_blank(bdev):
    """True if every byte of the device reads as erased flash (0xFF)."""
    buf = bytearray(_BLANK_CHUNK)
    erased = b"\xff" * _BLANK_CHUNK
    size = bdev.ioctl(5, 0)
    for block in range(bdev.ioctl(4, 0)):
        for offset in range(0, size, _BLANK_CHUNK):
            bdev.readblocks(block, buf, offset)
            if buf != erased:
                return False
    return True


def format_flash(bdev, progsize=32):
    """Make an empty littlefs on bdev: an explicit engineering action (all data lost)."""
    _vfs.VfsLfs2.mkfs(bdev, progsize=progsize)


def mount_flash(bdev, progsize=32):
    """littlefs (VfsLfs2) on a block device, for tests and the simulator.  A
    fully erased device is formatted first (a new part); a device holding data
    that does not mount raises StorageFault (never formatted silently)."""
    try:
        return _vfs.VfsLfs2(bdev, progsize=progsize, mtime=False)
    except OSError:
        pass
    if not is_blank(bdev):
        raise StorageFault("flash holds data but no filesystem that mounts")
    format_flash(bdev, progsize)
    return _vfs.VfsLfs2(bdev, progsize=progsize, mtime=False)
