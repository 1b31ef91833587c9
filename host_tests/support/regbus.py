# An I2C stand-in holding a DS3231's 19 registers in a bytearray: reads and
# writes copy bytes and allocate nothing (the register-level model's own
# bookkeeping would), so the driver's allocation can be measured alone.
REGISTERS = 19


class Ds3231RegisterBus:
    def __init__(self, regs):
        self.regs = regs
        self.pointer = 0

    def writeto(self, addr, buf):
        self.pointer = buf[0]
        return len(buf)

    def readfrom_into(self, addr, buf):
        for i in range(len(buf)):
            buf[i] = self.regs[(self.pointer + i) % REGISTERS]
