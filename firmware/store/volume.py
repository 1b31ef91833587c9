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

TMP_SUFFIX = ".tmp"
_READ_CHUNK = const(512)


class StorageFault(Exception):
    """The flash holds data that is not a filesystem we can mount.  Never
    answered by formatting: that loses the money records, so it is left to an
    engineer (format_flash)."""


def __getattr__(name):
    """mount_flash, format_flash and is_blank live in store/flash.py: the
    simulator, the tests and a board with its own data partition use them,
    never the port's own filesystem (PortFs).  Loaded for this one use and
    dropped again (firmware/overlay.py)."""
    from overlay import attribute

    return attribute("store.flash", name)


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

    def __init__(self, fs, folder="meterdata"):  # not "meter": make deploy puts the meter package in /meter/
        self.fs = fs  # None: no filesystem (the board could not give one)
        self.folder = folder
        self._prefix = folder + "/" if folder else ""

    def _fs(self):
        fs = self.fs
        if fs is None:
            raise OSError(19)  # ENODEV: no filesystem
        return fs

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

    def remove(self, name):
        try:
            self._fs().remove(self._prefix + name)
            return True
        except OSError:
            return False
