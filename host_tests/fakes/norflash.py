# Simulated NOR flash block device for littlefs (vfs.VfsLfs2's extended block
# protocol), usable from MicroPython and CPython.
#
# NOR semantics: an erase sets a whole block to 0xFF; a program can only clear
# bits (stored = stored & data).  Every program and erase is one "operation";
# the device counts them (and erases per block) for wear figures.
#
# Power cut: cut_after(k) lets k more operations succeed; operation k and every
# call after it (reads too) raise OSError, as if power were gone.  With
# torn=True operation k first does part of its work (a program writes the first
# half of its bytes, an erase resets only the first half of the block).
# power_on() ends the outage, like the next boot.

import gc

_BLOCK_COUNT = 4
_BLOCK_SIZE = 5
_SYNC = 3
_ERASE = 6
_EIO = 5


class NorFlash:
    def __init__(self, block_count=16, block_size=4096, image=None):
        self.block_size = block_size
        self.block_count = block_count
        gc.collect()  # the image needs one contiguous run of a small test heap
        if image is not None:
            if len(image) != block_count * block_size:
                raise ValueError("image size does not match the geometry")
            self.data = bytearray(image)
        else:  # one allocation: a 128 KiB device must fit a small test heap
            self.data = bytearray(block_count * block_size)
            erased = b"\xff" * block_size
            for block in range(block_count):
                self.data[block * block_size:(block + 1) * block_size] = erased
        self.erase_counts = [0] * block_count
        self.programs = 0
        self.erases = 0
        self.operations = 0
        self._cut_at = -1  # operation index at which power fails; -1 = never
        self._torn = False
        self.dead = False
        self._dead_error = OSError(_EIO)  # preallocated: finalisers may call us after a cut

    # --- power ---
    def cut_after(self, k, torn=False):
        """Let k more program/erase operations succeed, then fail from operation k on."""
        self._cut_at = self.operations + k
        self._torn = torn

    def power_on(self):
        self._cut_at = -1
        self.dead = False

    def image(self):
        return bytes(self.data)

    def _operation(self):
        """True if this operation may proceed whole; False if it is the torn one."""
        if self.dead:
            raise self._dead_error
        if self._cut_at >= 0 and self.operations >= self._cut_at:
            self.dead = True
            if self._torn:
                return False
            raise self._dead_error
        self.operations += 1
        return True

    # --- block protocol ---
    def readblocks(self, block, buf, offset=0):
        if self.dead:
            raise self._dead_error
        start = block * self.block_size + offset
        if block < 0 or start + len(buf) > len(self.data):
            raise OSError(_EIO)
        buf[:] = self.data[start:start + len(buf)]

    def writeblocks(self, block, buf, offset=None):
        if offset is None:  # simple protocol: erase the blocks, then program them
            for i in range(len(buf) // self.block_size):
                self._erase(block + i)
            offset = 0
        start = block * self.block_size + offset
        if block < 0 or start + len(buf) > len(self.data):
            raise OSError(_EIO)
        whole = self._operation()
        count = len(buf) if whole else len(buf) // 2
        data = self.data
        for i in range(count):
            data[start + i] &= buf[i]
        if not whole:
            raise self._dead_error
        self.programs += 1

    def _erase(self, block):
        if block < 0 or block >= self.block_count:
            raise OSError(_EIO)
        whole = self._operation()
        start = block * self.block_size
        size = self.block_size if whole else self.block_size // 2
        self.data[start:start + size] = b"\xff" * size
        if not whole:
            raise self._dead_error
        self.erases += 1
        self.erase_counts[block] += 1

    def ioctl(self, op, arg):
        if op == _BLOCK_COUNT:
            return self.block_count
        if op == _BLOCK_SIZE:
            return self.block_size
        if op == _ERASE:
            self._erase(arg)
            return 0
        if op == _SYNC and self.dead:
            raise self._dead_error
        return 0
