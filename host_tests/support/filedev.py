# A flash image file as a block device, for the test rig and the store's tests:
# the image persists between runs, so a restarted VM finds its state again.
# Not firmware: a board's store is the port's own littlefs (store/volume.py).  It follows
# NOR flash rules (erase -> 0xFF, program clears bits) so the file looks like
# a real partition dump, and writes through at once (nothing is cached here).
# Works in the MicroPython unix VM and CPython.
from micropython import const

_BLOCK_COUNT = const(4)
_BLOCK_SIZE = const(5)
_ERASE = const(6)
_CHUNK = const(256)  # erase in small pieces: no block-sized buffer on a fragmented heap


class FileBlockDevice:
    def __init__(self, path, block_count=256, block_size=4096):
        self.path = path
        self.block_count = block_count
        self.block_size = block_size
        size = block_count * block_size
        if block_size % _CHUNK:
            raise ValueError("block size must be a multiple of %d" % _CHUNK)
        self._scratch = bytearray(_CHUNK)
        self._erased = b"\xff" * _CHUNK
        try:
            self._file = open(path, "r+b")
        except OSError:  # a new image: fully erased flash
            self._file = open(path, "w+b")
            for block in range(block_count):
                self._erase(block)
        self._file.seek(0, 2)
        if self._file.tell() != size:
            self._file.close()
            raise ValueError("flash image %s is not %d bytes" % (path, size))

    def close(self):
        self._file.close()

    def readblocks(self, block, buf, offset=0):
        self._file.seek(block * self.block_size + offset)
        if self._file.readinto(buf) != len(buf):
            raise OSError(5)

    def writeblocks(self, block, buf, offset=None):
        if offset is None:
            for i in range(len(buf) // self.block_size):
                self._erase(block + i)
            offset = 0
        # NOR rule (program only clears bits), through one reused buffer: a
        # long-running board must not allocate a block-sized buffer per write.
        start = block * self.block_size + offset
        done, total = 0, len(buf)
        scratch = self._scratch
        while done < total:
            n = min(total - done, len(scratch))
            view = memoryview(scratch)[:n]
            self._file.seek(start + done)
            self._file.readinto(view)
            for i in range(n):
                scratch[i] &= buf[done + i]
            self._file.seek(start + done)
            self._file.write(view)
            done += n
        self._file.flush()

    def _erase(self, block):
        self._file.seek(block * self.block_size)
        for _ in range(self.block_size // _CHUNK):
            self._file.write(self._erased)
        self._file.flush()

    def ioctl(self, op, arg):
        if op == _BLOCK_COUNT:
            return self.block_count
        if op == _BLOCK_SIZE:
            return self.block_size
        if op == _ERASE:
            self._erase(arg)
        return 0
