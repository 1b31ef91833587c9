# The store's view of a filesystem: small files in the folder "meterdata/" of an
# already-mounted littlefs.  On a board that is the port's own filesystem (the
# one the stock _boot.py mounts at "/"), reached through PortFs; tests and the
# simulator mount a littlefs on a block device with mount_flash().  Each record
# is a small file written atomically (temporary file, then rename): littlefs
# keeps files this small inline in its directory metadata and moves that
# metadata around the whole filesystem, so an update costs a fraction of an
# erase, wear-levelled (README.md, wear).
import os

from micropython import const

FOLDER = "meterdata"  # not "meter": make deploy puts the firmware's meter package in /meter/
TMP_SUFFIX = ".tmp"
_READ_CHUNK = const(512)
_BLANK_CHUNK = const(256)

try:
    import vfs as _vfs  # MicroPython 1.23+
except ImportError:  # CPython hosts (tests, tools): littlefs-python behind the same API
    import host_vfs as _vfs  # pyright: ignore[reportMissingImports]


class StorageFault(Exception):
    """The flash holds data that is not a filesystem we can mount.  Never
    answered by formatting: that loses the money records, so it is left to an
    engineer (format_flash)."""


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


class PortFs:
    """The VfsLfs2 method set over the builtin open() and os for a folder of
    the VFS tree: on a board, root "/" is the port's own littlefs as the stock
    _boot.py mounted it (never mounted, shrunk or formatted here)."""

    def __init__(self, root="/"):
        self.root = root.rstrip("/") + "/"

    def _path(self, path):
        return self.root + path

    def open(self, path, mode):
        return open(self._path(path), mode)

    def rename(self, old, new):
        os.rename(self._path(old), self._path(new))

    def remove(self, path):
        os.remove(self._path(path))

    def mkdir(self, path):
        os.mkdir(self._path(path))

    def stat(self, path):
        return os.stat(self._path(path))

    def ilistdir(self, path):
        full = self._path(path)
        if hasattr(os, "ilistdir"):
            return os.ilistdir(full)  # pyright: ignore[reportAttributeAccessIssue]
        return iter([(name, 0x8000, 0, 0) for name in os.listdir(full)])  # CPython


class Volume:
    """One folder of fs ("" = its root).  The records live in folders, not in
    the root: littlefs keeps the root in the superblock pair (blocks 0 and 1),
    which it never moves, while a folder's metadata pair is relocated after
    block_cycles erases."""

    def __init__(self, fs, folder=FOLDER):
        self.fs = fs  # None: no filesystem (the board could not give one)
        self.folder = folder
        self._prefix = folder + "/" if folder else ""

    def _fs(self):
        fs = self.fs
        if fs is None:
            raise OSError(19)  # ENODEV: no filesystem
        return fs

    def folder_exists(self):
        try:
            self._fs().stat(self.folder)
            return True
        except OSError:
            return False

    def create_folder(self):
        try:
            self._fs().mkdir(self.folder)
        except OSError:  # it exists
            pass

    def names(self):
        """Names of the files in the folder."""
        return [entry[0] for entry in self._fs().ilistdir(self.folder or "/")]

    def read(self, name):
        """Whole content of a file as bytes, or None if it does not exist."""
        try:
            f = self._fs().open(self._prefix + name, "rb")
        except OSError:
            return None
        try:
            parts = []
            while True:
                chunk = f.read(_READ_CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
        finally:
            f.close()
        return b"".join(parts)

    def write_atomic(self, name, data):
        """Replace name with data: write name.tmp, close it (durable), then rename
        it over name.  littlefs renames atomically, so name is old or new."""
        path = self._prefix + name
        f = self._fs().open(path + TMP_SUFFIX, "wb")
        try:
            f.write(data)
        finally:
            f.close()
        self._fs().rename(path + TMP_SUFFIX, path)

    def write_in_place(self, name, data):
        """Replace name's content directly: littlefs commits the new content
        atomically at close, so name is old or new after a cut."""
        f = self._fs().open(self._prefix + name, "wb")
        try:
            f.write(data)
        finally:
            f.close()

    def append(self, name, data):
        """Append to a file; littlefs commits the append atomically on close."""
        f = self._fs().open(self._prefix + name, "ab")
        try:
            f.write(data)
        finally:
            f.close()

    def rename(self, old, new):
        self._fs().rename(self._prefix + old, self._prefix + new)

    def remove(self, name):
        try:
            self._fs().remove(self._prefix + name)
            return True
        except OSError:
            return False
