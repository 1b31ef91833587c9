# CPython only: a stand-in for MicroPython's `vfs` module.  VfsLfs2 here is
# littlefs-python driving an injected block device, shaped like MicroPython's
# (constructor, mkfs, open/rename/remove/mkdir/ilistdir), so the store runs
# unchanged under pytest.  Never deployed: boards have the real vfs.  The
# littlefs settings mirror MicroPython's VfsLfs2 defaults (read/prog 32,
# cache 128, lookahead 32, block_cycles 100).
import littlefs


class _BlockContext(littlefs.UserContext):
    def __init__(self, bdev):  # no RAM buffer: every access goes to the device
        self.bdev = bdev

    def read(self, cfg, block, off, size):
        buf = bytearray(size)
        self.bdev.readblocks(block, buf, off)
        return buf

    def prog(self, cfg, block, off, data):
        self.bdev.writeblocks(block, data, off)
        return 0

    def erase(self, cfg, block):
        self.bdev.ioctl(6, block)
        return 0

    def sync(self, cfg):
        self.bdev.ioctl(3, 0)
        return 0


def _settings(bdev, progsize):
    return dict(
        block_size=bdev.ioctl(5, 0),
        block_count=bdev.ioctl(4, 0),
        read_size=32,
        prog_size=progsize,
        cache_size=4 * max(32, progsize),
        lookahead_size=32,
        block_cycles=100,
    )


class _File:
    """A littlefs-python file whose errors are OSErrors, as on MicroPython."""

    def __init__(self, f):
        self._f = f

    def _call(self, name, *args):
        try:
            return getattr(self._f, name)(*args)
        except littlefs.LittleFSError as exc:
            raise OSError(5, str(exc)) from exc

    def read(self, *args):
        return self._call("read", *args)

    def write(self, data):
        return self._call("write", data)

    def close(self):
        return self._call("close")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class VfsLfs2:
    def __init__(self, bdev, progsize=32, mtime=False):
        self._lfs = littlefs.LittleFS(context=_BlockContext(bdev), mount=False, **_settings(bdev, progsize))
        try:
            self._lfs.mount()
        except littlefs.LittleFSError as exc:
            raise OSError(19, "littlefs mount failed: %s" % exc) from exc

    @staticmethod
    def mkfs(bdev, progsize=32):
        lfs = littlefs.LittleFS(context=_BlockContext(bdev), mount=False, **_settings(bdev, progsize))
        lfs.format()

    def open(self, name, mode):
        try:
            return _File(self._lfs.open(name, mode))
        except FileNotFoundError:
            if "a" not in mode:  # littlefs-python's append does not create the file
                raise
        except littlefs.LittleFSError as exc:
            raise OSError(2, str(exc)) from exc
        return _File(self._lfs.open(name, mode.replace("a", "w")))

    def rename(self, old, new):
        try:
            self._lfs.rename(old, new)
        except littlefs.LittleFSError as exc:
            raise OSError(5, str(exc)) from exc

    def remove(self, name):
        try:
            self._lfs.remove(name)
        except littlefs.LittleFSError as exc:
            raise OSError(2, str(exc)) from exc

    def mkdir(self, path):
        try:
            self._lfs.mkdir(path)
        except (littlefs.LittleFSError, OSError) as exc:
            raise OSError(17, str(exc)) from exc

    def stat(self, path):
        try:
            st = self._lfs.stat(path)
        except littlefs.LittleFSError as exc:
            raise OSError(2, str(exc)) from exc
        return (0x4000 if st.type == 2 else 0x8000, 0, 0, 0, 0, 0, st.size, 0, 0, 0)

    def ilistdir(self, path):
        try:
            names = self._lfs.listdir(path)
        except littlefs.LittleFSError as exc:  # as MicroPython's VfsLfs2: an OSError
            raise OSError(5, str(exc)) from exc
        return iter([(name, 0x8000, 0, 0) for name in names])
