# ADE7953 register-file model behind SPI frames (host tests only), at the level
# drivers/ade7953.py needs: channel A, 8/16/24-bit registers, software reset
# (CONFIG bit 7), the 0xFE unlock before register 0x120, LAST_RWDATA/LAST_ADD/
# LAST_OP, read-with-reset AENERGYA, VRMS/IRMSA/AWATT/PFA/PERIOD.
#
#   model = Ade7953Model(cs=cs_pin, spi=spi); spi.attach(model)
#   model.set_load(watts, volts, amps, pf, hz); model.advance(seconds)
#
# Frame: address high, address low, 0x80 read / 0x00 write, then the data
# bytes (MSB first); a write is taken on its last byte, CS rising earlier
# drops it.  The "board" gives counts per V/A/W/Wh at the default 0x400000
# gains; readings scale with the gain registers.  Faults as in the ATM90E26
# model: set_fault("garbage"|"stuck_high"|"stuck_low"|None), trigger_reset(),
# glitch_next_read(addr, mask), corrupt_next_write(addr, mask).
#
# Datasheet facts held here (ADE7953 data sheet Rev. B):
# - register tables: signed registers are two's complement; AENERGYA is a
#   signed 24-bit accumulator, so one count of reverse energy reads 0xFFFFFF;
# - CONFIG (0x102) resets to 0x8004: bit 15 COMM_LOCK set means the interface
#   is not locked yet.  The host locks the interface it uses by clearing the
#   bit (the bit cannot be set again short of a reset).  Until then activity
#   on the shared SPI/I2C/UART pins can make the chip pick another interface:
#   interface_noise() is that activity; an unlocked chip then stops answering
#   SPI (MISO is undriven: noise; writes are lost) until it is reset.
# - two current channels, A (IRMSA 0x21A, AIGAIN) and B (IRMSB 0x21B,
#   BIGAIN 0x28C); here B carries the neutral conductor.
from metering_model import MeteringModel

LCYCMODE, UNLOCK, LAST_OP, LAST_RWDATA8, VERSION = 0x004, 0x0FE, 0x0FD, 0x0FF, 0x702
LINECYC, CONFIG, PHCALA, PFA, PERIOD, TUNING = 0x101, 0x102, 0x108, 0x10A, 0x10E, 0x120
LAST_ADD, LAST_RWDATA16 = 0x1FE, 0x1FF
AWATT, IRMSA, IRMSB, VRMS, AENERGYA, LAST_RWDATA24 = 0x212, 0x21A, 0x21B, 0x21C, 0x21E, 0x2FF
BIGAIN = 0x28C
AIGAIN, AVGAIN, AWGAIN = 0x280, 0x281, 0x282
UNITY = 0x400000

DEFAULTS = {
    LCYCMODE: 0x40, 0x100: 0xFFFF, CONFIG: 0x8004, 0x103: 0x3F, 0x104: 0x3F, 0x107: 0x300,
    0x203: 0xE419, 0x204: 0xE419, 0x224: 0xFFFFFF, 0x225: 0xFFFFFF, 0x22C: 0x100000,
    0x280: UNITY, 0x281: UNITY, 0x282: UNITY, 0x283: UNITY, 0x284: UNITY,
    0x28C: UNITY, 0x28D: UNITY, 0x28E: UNITY, 0x28F: UNITY, 0x290: UNITY,
}
READ_ONLY = (LAST_OP, LAST_RWDATA8, VERSION, PFA, 0x10B, 0x10C, 0x10D, PERIOD, LAST_ADD, LAST_RWDATA16, LAST_RWDATA24)


def register_bytes(addr):
    group = (addr >> 8) & 0xF
    if group <= 3:
        return group + 1
    return 1 if group in (7, 8) else 0


class Ade7953Model(MeteringModel):
    def __init__(self, cs=None, spi=None, clock=None, version=0x08, volt_counts=26000, amp_counts=100000,
                 watt_counts=154, wh_counts=1000, max_baudrate=2000000):
        self._start(clock, 0x2468ACE)
        self.spi = spi
        self.version = version
        self.board = (volt_counts, amp_counts, watt_counts, wh_counts)
        self.max_baudrate = max_baudrate
        self.regs = {}
        self._acc = 0
        self._unlocked = False
        self.deaf = False  # switched away from SPI by noise on an unlocked interface
        self._frame = bytearray(8)
        self._idx = 0
        self._addr = 0
        self._width = 0
        self._value = 0
        self.trigger_reset()
        self._cs = cs
        if cs is not None:
            cs.listeners.append(self._cs_edge)

    @property
    def cs(self):
        return self._cs

    def _cs_edge(self, _pin, _level):
        self._idx = 0

    # -- test controls ---------------------------------------------------
    def trigger_reset(self):
        self.deaf = False
        self.regs = dict(DEFAULTS)
        self.regs[VERSION] = self.version
        self._acc = 0
        self._load_changed()

    def interface_noise(self):
        """Activity on the shared interface pins (another bus, a glitch)."""
        if self.regs[CONFIG] & 0x8000:  # COMM_LOCK still set: not locked
            self.deaf = True

    @property
    def comm_locked(self):
        return not self.regs[CONFIG] & 0x8000

    # -- physics ---------------------------------------------------------
    def _accumulate(self, ms):
        mw = self._load[0]
        if ms <= 0 or mw == 0:
            return
        self._acc += abs(mw) * ms * self.board[3] * self.regs[AWGAIN]
        unit = 1000 * 3600000 * UNITY
        counts = self._acc // unit
        self._acc -= counts * unit
        if mw < 0:
            counts = -counts
        value = self._signed(self.regs.get(AENERGYA, 0), 24) + counts
        self.regs[AENERGYA] = max(-0x800000, min(0x7FFFFF, value)) & 0xFFFFFF  # saturates

    @staticmethod
    def _signed(value, bits):
        return value - (1 << bits) if value & (1 << (bits - 1)) else value

    def _load_changed(self):
        # Cached per load/gain change so register reads need no big-int arithmetic.
        mw, cv, ma, pf, chz = self._load
        volt, amp, watt, _ = self.board
        regs = self.regs
        power = abs(mw) * watt * regs[AWGAIN] // (1000 * UNITY)
        self._measured = {
            VRMS: min(0xFFFFFF, cv * volt * regs[AVGAIN] // (100 * UNITY)),
            IRMSA: min(0xFFFFFF, ma * amp * regs[AIGAIN] // (1000 * UNITY)),
            IRMSB: min(0xFFFFFF, self._neutral() * amp * regs[BIGAIN] // (1000 * UNITY)),
            AWATT: (-power if mw < 0 else power) & 0xFFFFFF,
            PFA: max(-0x8000, min(0x7FFF, pf * 32768 // 1000)) & 0xFFFF,
            PERIOD: (22375000 + chz // 2) // chz - 1 if chz else 0xFFFF,
        }

    def _read_register(self, addr):
        if addr == AENERGYA:
            value = self.regs.get(AENERGYA, 0)
            if self.regs[LCYCMODE] & 0x40:  # RSTREAD: read with reset
                self.regs[AENERGYA] = 0
            return value
        measured = self._measured.get(addr)
        return measured if measured is not None else self.regs.get(addr, 0)

    def _write_register(self, addr, value):
        self.writes.append((addr, value))
        unlocked = self._unlocked
        self._unlocked = addr == UNLOCK and value == 0xAD
        if addr in READ_ONLY or addr in self._measured or addr == AENERGYA:
            return
        if addr == TUNING and not unlocked:
            return
        if addr == CONFIG and value & 0x80:
            self.trigger_reset()
            return
        if addr == CONFIG:
            value = (value & 0x7FFF) | (value & self.regs[CONFIG] & 0x8000)  # once cleared, stays locked
        self.regs[addr] = value
        self._load_changed()

    def _note_last(self, addr, value, width, read):
        # (comparisons, not tuples: reads in the allocation test must not allocate)
        if addr == LAST_OP or addr == LAST_ADD or addr == LAST_RWDATA8 or addr == LAST_RWDATA16 \
                or addr == LAST_RWDATA24:
            return
        regs = self.regs
        regs[LAST_OP] = 0x35 if read else 0xCA
        regs[LAST_ADD] = addr
        if width == 1:
            regs[LAST_RWDATA8] = value
        elif width == 2:
            regs[LAST_RWDATA16] = value
        else:
            regs[LAST_RWDATA24] = value

    # -- SPI -------------------------------------------------------------
    def _bus_ok(self):
        spi = self.spi
        if self.deaf:
            return False
        return spi is None or (spi.polarity == 1 and spi.phase == 1 and spi.baudrate <= self.max_baudrate)

    def exchange_byte(self, mosi):
        if self._idx == 0:
            self._sync_time()
        idx = self._idx
        self._idx = idx + 1
        out = 0
        if idx < 8:
            self._frame[idx] = mosi
        if idx == 1:
            self._addr = (self._frame[0] << 8) | mosi
            self._width = register_bytes(self._addr)
        elif idx == 2 and mosi & 0x80:
            self._value = self._read_register(self._addr)
            self._note_last(self._addr, self._value, self._width, True)
            self._miso_xor = self._glitch.pop(self._addr, 0) if self._glitch else 0
        elif idx >= 3 and idx < 3 + self._width:
            shift = 8 * (2 + self._width - idx)
            if self._frame[2] & 0x80:
                out = ((self._value ^ self._miso_xor) >> shift) & 0xFF
            elif idx == 2 + self._width and self._bus_ok():
                value = 0
                for i in range(self._width):
                    value = (value << 8) | self._frame[3 + i]
                value ^= self._corrupt.pop(self._addr, 0)
                self._note_last(self._addr, value, self._width, False)
                self._write_register(self._addr, value)
        if self._cs is None and idx >= 2 + self._width:
            self._idx = 0  # no chip select: frames are back to back
        return self._miso(out)
