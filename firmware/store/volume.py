# The store's view of the filesystem: littlefs on an injected block device,
# with the few operations the records need.  MicroPython uses vfs.VfsLfs2
# directly (not mounted into the VFS tree, so nothing else can touch it);
# on CPython hosts the test fakes provide a work-alike (host_tests/fakes/host_vfs.py).
from micropython import const

TMP_SUFFIX = ".tmp"
_READ_CHUNK = const(512)

try:
    import vfs as _vfs  # MicroPython 1.23+
except ImportError:  # CPython hosts (tests, tools): littlefs-python behind the same API
    import host_vfs as _vfs  # pyright: ignore[reportMissingImports]


def _is_blank(bdev):
    """True if the first two blocks read as erased flash (a device never formatted)."""
    buf = bytearray(32)
    for block in (0, 1):
        bdev.readblocks(block, buf, 0)
        for byte in buf:
            if byte != 0xFF:
                return False
    return True


FOLDER = "meter"


class Volume:
    """All files live in one folder, not in the root: littlefs keeps the root in
    the superblock pair (blocks 0 and 1), which it does not wear-level, while a
    folder's metadata pair moves to fresh blocks every block_cycles erases."""

    def __init__(self, bdev, progsize=32):
        self.bdev = bdev
        self.progsize = progsize  # 256 on RP2040: its flash programs whole pages
        self.fs = None

    def mount(self):
        """Mount; format a device that does not mount.  Returns "mounted",
        "formatted-blank" (new device) or "formatted-damaged" (data lost)."""
        try:
            self.fs = self._mount()
            result = "mounted"
        except OSError:
            blank = _is_blank(self.bdev)
            self._mkfs()
            self.fs = self._mount()
            result = "formatted-blank" if blank else "formatted-damaged"
        try:
            self.fs.mkdir(FOLDER)
        except OSError:  # it exists (the usual case)
            pass
        return result

    def _mount(self):
        return _vfs.VfsLfs2(self.bdev, progsize=self.progsize, mtime=False)

    def _mkfs(self):
        _vfs.VfsLfs2.mkfs(self.bdev, progsize=self.progsize)

    def _fs(self):
        fs = self.fs
        if fs is None:
            raise OSError(19)  # ENODEV: not mounted
        return fs

    def names(self):
        """Names of the files in the root directory."""
        return [entry[0] for entry in self._fs().ilistdir(FOLDER)]

    def read(self, name):
        """Whole content of a file as bytes, or None if it does not exist."""
        try:
            f = self._fs().open(FOLDER + "/" + name, "rb")
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
        path = FOLDER + "/" + name
        f = self._fs().open(path + TMP_SUFFIX, "wb")
        try:
            f.write(data)
        finally:
            f.close()
        self._fs().rename(path + TMP_SUFFIX, path)

    def write_in_place(self, name, data):
        """Replace name's content directly: littlefs commits the new content
        atomically at close (one metadata commit instead of two or three), so
        name is old or new after a cut.  For the frequent energy record, which
        also keeps its previous generation in a second file."""
        f = self._fs().open(FOLDER + "/" + name, "wb")
        try:
            f.write(data)
        finally:
            f.close()

    def append(self, name, data):
        """Append to a file; littlefs commits the append atomically on close."""
        f = self._fs().open(FOLDER + "/" + name, "ab")
        try:
            f.write(data)
        finally:
            f.close()

    def rename(self, old, new):
        self._fs().rename(FOLDER + "/" + old, FOLDER + "/" + new)

    def remove(self, name):
        try:
            self._fs().remove(FOLDER + "/" + name)
            return True
        except OSError:
            return False
