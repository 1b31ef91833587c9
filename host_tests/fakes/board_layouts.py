# The boards' whole SPI NOR flash as the stock MicroPython images lay it out:
# the one place that says where the port's littlefs lives and how the chip
# behaves.  Used by the board flash model (board_flash.py), the simulator
# (tools/sim.py --layout) and the wear bench.  Plain data: MicroPython and CPython.
#
# Port sources checked (micropython/micropython):
# - rp2: ports/rp2/boards/RPI_PICO/mpconfigboard.h sets
#   MICROPY_HW_FLASH_STORAGE_BYTES to 1408 * 1024; ports/rp2/rp2_flash.c puts
#   the storage at the END of the flash (base = flash size - storage bytes);
#   ports/rp2/modules/_boot.py mounts vfs.VfsLfs2(rp2.Flash(), progsize=256)
#   and formats it (same progsize) when the mount fails.
# - esp32: ports/esp32/partitions-4MiB.csv (ESP32_GENERIC): nvs 0x9000+0x6000,
#   phy_init 0xf000+0x1000, factory app from 0x10000, vfs (data, fat)
#   0x200000+0x200000 (later versions carve a romfs partition out of the app
#   and keep vfs where it is); the bootloader sits at 0x1000 and the partition
#   table at 0x8000 on the ESP32.  ports/esp32/modules/inisetup.py formats the
#   vfs partition with vfs.VfsLfs2.mkfs(bdev), i.e. the default progsize
#   (extmod/vfs_lfs.c: readsize, progsize and lookahead default to 32), and
#   extmod/vfs_lfsx.c sets block_cycles = 100.
#
# Chip timing (typical values: what a save costs on most parts):
# - Pico: Winbond W25Q16JV (2 MiB), datasheet rev. F, section 9.6 "AC
#   Electrical Characteristics": tPP page program 0.4 ms typ (3 ms max), tSE
#   4 KB sector erase 45 ms typ (400 ms max); section 8.2.13 "Page Program
#   (02h)": 256-byte pages, addresses past the page end wrap to its start;
#   section 8.2.15 "Sector Erase (20h)": sets a 4 KB sector to all 1s (FFh).
# - ESP32-WROOM-32: the module datasheet (section 1 / table 1) gives 4 MB of
#   SPI flash without naming the part; modules ship with GigaDevice GD25Q32C
#   among others: datasheet section 8.8 "AC Characteristics": tPP 0.6 ms typ,
#   tSE (4 KB) 50 ms typ; 256-byte pages and 4 KB sectors as above.
KIB = 1024
MIB = 1024 * 1024

LAYOUTS = {
    "rpi_pico": {
        "title": "Raspberry Pi Pico (RP2040, W25Q16JV 2 MiB)",
        "chip": "W25Q16JV",
        "flash_bytes": 2 * MIB,
        "sector_bytes": 4 * KIB,
        "page_bytes": 256,
        "page_program_us": 400,
        "sector_erase_us": 45000,
        "fs_offset": 2 * MIB - 1408 * KIB,
        "fs_bytes": 1408 * KIB,
        "progsize": 256,
        "regions": (
            ("firmware", 0, 2 * MIB - 1408 * KIB),
            ("filesystem", 2 * MIB - 1408 * KIB, 1408 * KIB),
        ),
    },
    "esp32_devkitc": {
        "title": "ESP32 DevKitC (ESP32-WROOM-32, 4 MB flash)",
        "chip": "GD25Q32C",
        "flash_bytes": 4 * MIB,
        "sector_bytes": 4 * KIB,
        "page_bytes": 256,
        "page_program_us": 600,
        "sector_erase_us": 50000,
        "fs_offset": 0x200000,
        "fs_bytes": 0x200000,
        "progsize": 32,
        "regions": (
            ("bootloader", 0x1000, 0x7000),
            ("partition table", 0x8000, 0x1000),
            ("nvs", 0x9000, 0x6000),
            ("phy_init", 0xF000, 0x1000),
            ("factory", 0x10000, 0x1F0000),
            ("vfs", 0x200000, 0x200000),
        ),
    },
}
DEFAULT_LAYOUT = "rpi_pico"


def layout(name):
    """The layout dict for a board name; ValueError names the choices."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError("unknown board layout %r (one of: %s)" % (name, ", ".join(sorted(LAYOUTS)))) from None
