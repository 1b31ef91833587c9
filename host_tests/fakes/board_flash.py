# A board's whole SPI NOR flash in one image file, with the chip's geometry and
# timing from board_layouts.py (datasheet facts cited there), and a block
# device view of the port's filesystem region as littlefs sees it.
#
# Chip rules (what the datasheets say, tested in host_tests/test_board_flash.py):
# - a sector erase sets its 4 KiB sector to 0xFF;
# - a page program can only clear bits (stored = stored & data), and its
#   addresses wrap inside one 256-byte page (the chip never crosses a page);
# - each program and erase keeps the chip busy for its typical time.
# Wear is counted per 4 KiB block (erases and page programs) in a file next to
# the image (<image>.wear), so it survives a power cycle of the simulator;
# counters live in that file, not in RAM, so a capped VM heap does not pay for them.
# Works in the MicroPython unix VM and CPython.
import board_layouts

_BLOCK_COUNT = 4
_BLOCK_SIZE = 5
_ERASE = 6
_WEAR_MAGIC = b"WEAR"
_HEADER = 24  # magic, block count, max save busy (us), saves with flash work, saves over SLOW_SAVE_US, spare
SLOW_SAVE_US = 50000  # issue 11's bound on the flash work of one save (the loop is blocked meanwhile)
_ENTRY = 8  # per block: erases u32, page programs u32
_FILL_CHUNK = 4096


def _u32(buf):
    return buf[0] | buf[1] << 8 | buf[2] << 16 | buf[3] << 24


def _put_u32(buf, value):
    for i in range(4):
        buf[i] = (value >> (8 * i)) & 0xFF


def _open_or_create(path, size, fill, replace_other_size=False):
    """Open path read-write; create it as size bytes of fill when missing (or,
    with replace_other_size, when it has another size)."""
    try:
        f = open(path, "r+b")
        f.seek(0, 2)
        if replace_other_size and f.tell() != size:
            f.close()
            raise OSError(2)
    except OSError:
        f = open(path, "w+b")
        chunk = bytes([fill]) * _FILL_CHUNK
        for _ in range(size // _FILL_CHUNK):
            f.write(chunk)
        f.write(bytes([fill]) * (size % _FILL_CHUNK))
        f.flush()
    f.seek(0, 2)
    if f.tell() != size:
        f.close()
        raise ValueError("%s is not %d bytes (another board layout?)" % (path, size))
    return f


class BoardFlash:
    """The whole flash of one board layout, kept in the image file at path."""

    def __init__(self, path, layout_name=board_layouts.DEFAULT_LAYOUT):
        self.layout_name = layout_name
        lay = board_layouts.layout(layout_name)
        self.layout = lay
        self.size = lay["flash_bytes"]
        self.sector = lay["sector_bytes"]
        self.page = lay["page_bytes"]
        self.program_us = lay["page_program_us"]
        self.erase_us = lay["sector_erase_us"]
        self.blocks = self.size // self.sector
        self.path = path
        self._image = _open_or_create(path, self.size, 0xFF)
        # counts from an older format start again rather than stop the simulator
        self._wear = _open_or_create(path + ".wear", _HEADER + _ENTRY * self.blocks, 0, True)
        self._page_buf = bytearray(self.page)
        self._word = bytearray(4)
        self._check_wear_header()
        self.last_save_us = 0
        self.busy_outside_saves_us = 0  # since this model was opened: boot, format, deploy
        self._save_depth = 0
        self._save_us = 0

    def _check_wear_header(self):
        head = bytearray(_HEADER)
        self._wear.seek(0)
        self._wear.readinto(head)
        if head[:4] == _WEAR_MAGIC:
            return
        head[:4] = _WEAR_MAGIC  # a new counter file
        _put_u32(memoryview(head)[4:8], self.blocks)
        self._wear.seek(0)
        self._wear.write(head)
        self._wear.flush()

    def close(self):
        self._image.close()
        self._wear.close()

    # --- the chip ---------------------------------------------------------
    def read(self, addr, buf):
        if addr < 0 or addr + len(buf) > self.size:
            raise OSError(5)
        self._image.seek(addr)
        self._image.readinto(buf)

    def program(self, addr, data):
        """One Page Program command: data goes from addr on, wrapping at the
        end of addr's page; bits can only go from 1 to 0."""
        if addr < 0 or addr >= self.size:
            raise OSError(5)
        page = self._page_buf
        base = addr - addr % self.page
        self._image.seek(base)
        self._image.readinto(page)
        n = len(data)
        first = n - self.page if n > self.page else 0  # more than a page: only the last page's worth stays
        pos = addr - base + first
        for i in range(first, n):
            page[pos % self.page] &= data[i]
            pos += 1
        self._image.seek(base)
        self._image.write(page)
        self._image.flush()
        self._count(base // self.sector, 4)
        self._busy(self.program_us)

    def erase_sector(self, addr):
        """Sector Erase: the 4 KiB sector holding addr becomes all 0xFF."""
        if addr < 0 or addr >= self.size:
            raise OSError(5)
        block = addr // self.sector
        self._image.seek(block * self.sector)
        chunk = b"\xff" * self.page
        for _ in range(self.sector // self.page):
            self._image.write(chunk)
        self._image.flush()
        self._count(block, 0)
        self._busy(self.erase_us)

    # --- wear and busy time -----------------------------------------------
    def _count(self, block, field):
        at = _HEADER + _ENTRY * block + field
        word = self._word
        self._wear.seek(at)
        self._wear.readinto(word)
        _put_u32(word, _u32(word) + 1)
        self._wear.seek(at)
        self._wear.write(word)
        self._wear.flush()

    def _busy(self, us):
        if self._save_depth:
            self._save_us += us
        else:
            self.busy_outside_saves_us += us

    def erases(self, block):
        return self._counter(block, 0)

    def programs(self, block):
        return self._counter(block, 4)

    def _counter(self, block, field):
        self._wear.seek(_HEADER + _ENTRY * block + field)
        self._wear.readinto(self._word)
        return _u32(self._word)

    def _header_word(self, at):
        self._wear.seek(at)
        self._wear.readinto(self._word)
        return _u32(self._word)

    def _set_header_word(self, at, value):
        _put_u32(self._word, value)
        self._wear.seek(at)
        self._wear.write(self._word)
        self._wear.flush()

    def max_save_us(self):
        """The most flash busy time of one save so far (kept with the counters)."""
        return self._header_word(8)

    def saves(self):
        """How many saves did flash work (kept with the counters)."""
        return self._header_word(12)

    def slow_saves(self):
        """How many saves kept the flash busy for more than SLOW_SAVE_US."""
        return self._header_word(16)

    def begin_save(self):
        """A save starts: its program/erase time adds up until end_save (nested calls count once)."""
        if self._save_depth == 0:
            self._save_us = 0
        self._save_depth += 1

    def end_save(self):
        self._save_depth -= 1
        if self._save_depth or not self._save_us:
            return
        self.last_save_us = self._save_us
        self._set_header_word(12, self.saves() + 1)
        if self._save_us > SLOW_SAVE_US:
            self._set_header_word(16, self.slow_saves() + 1)
        if self._save_us > self.max_save_us():
            self._set_header_word(8, self._save_us)

    def fs_region(self):
        """The port's filesystem region as a block device."""
        return RegionDevice(self, self.layout["fs_offset"], self.layout["fs_bytes"])

    def fs_blocks(self):
        """(first, count) of the filesystem region in 4 KiB blocks of the whole flash."""
        return self.layout["fs_offset"] // self.sector, self.layout["fs_bytes"] // self.sector

    def report(self):
        """Wear figures for `sim flash`: (key, value) pairs."""
        first, count = self.fs_blocks()
        erases_total = programs_total = store_erases = max_block = 0
        for block in range(self.blocks):
            e = self.erases(block)
            erases_total += e
            programs_total += self.programs(block)
            if first <= block < first + count:
                store_erases += e
                max_block = max(max_block, e)
        return (
            ("layout", self.layout_name),
            ("chip", self.layout["chip"]),
            ("flash_bytes", self.size),
            ("erases_total", erases_total),
            ("programs_total", programs_total),
            ("max_block_erases", max_block),
            ("store_blocks", count),
            ("store_erases", store_erases),
            ("store_offset", self.layout["fs_offset"]),
            ("store_bytes", self.layout["fs_bytes"]),
            ("progsize", self.layout["progsize"]),
            ("saves", self.saves()),
            ("saves_over_50ms", self.slow_saves()),
            ("last_save_busy_us", self.last_save_us),
            ("max_save_busy_us", self.max_save_us()),
            ("busy_outside_saves_us", self.busy_outside_saves_us),
        )


class RegionDevice:
    """A range of the flash as a block device (vfs.VfsLfs2's extended block
    protocol), splitting writes into page programs as the ports' flash
    drivers do."""

    def __init__(self, flash, offset, size):
        self.flash = flash
        self.offset = offset
        self.block_size = flash.sector
        self.block_count = size // flash.sector

    def _addr(self, block, offset, length):
        if block < 0 or offset < 0 or block * self.block_size + offset + length > self.block_count * self.block_size:
            raise OSError(5)
        return self.offset + block * self.block_size + offset

    def readblocks(self, block, buf, offset=0):
        self.flash.read(self._addr(block, offset, len(buf)), buf)

    def writeblocks(self, block, buf, offset=None):
        if offset is None:  # simple protocol: erase the blocks, then program them
            for i in range(len(buf) // self.block_size):
                self.ioctl(_ERASE, block + i)
            offset = 0
        addr = self._addr(block, offset, len(buf))
        view = memoryview(buf)
        page = self.flash.page
        done = 0
        while done < len(buf):
            n = min(len(buf) - done, page - (addr + done) % page)
            self.flash.program(addr + done, view[done:done + n])
            done += n

    def ioctl(self, op, arg):
        if op == _BLOCK_COUNT:
            return self.block_count
        if op == _BLOCK_SIZE:
            return self.block_size
        if op == _ERASE:
            self.flash.erase_sector(self._addr(arg, 0, self.block_size))
        return 0
