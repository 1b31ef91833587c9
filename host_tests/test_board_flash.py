# lanes: cpython micropython-unix
# The whole-board flash model against the datasheet facts and port layouts
# cited in host_tests/fakes/board_layouts.py, and littlefs on its filesystem region.
import os

from board_flash import BoardFlash
from board_layouts import LAYOUTS, layout
from support.checks import raises

WORK_DIR = "build/test-board-flash"


def fresh(name, layout_name="rpi_pico"):
    """A new image file (and its wear file) for one test."""
    for part in ("build", WORK_DIR):
        try:
            os.mkdir(part)
        except OSError:
            pass
    path = WORK_DIR + "/" + name + ".img"
    for suffix in ("", ".wear"):
        try:
            os.remove(path + suffix)
        except OSError:
            pass
    return BoardFlash(path, layout_name)


def read(flash, addr, n):
    buf = bytearray(n)
    flash.read(addr, buf)
    return bytes(buf)


def test_pico_layout_is_the_rp2_ports():
    # RPI_PICO mpconfigboard.h: 1408 KiB of storage at the end of the 2 MiB W25Q16JV; _boot.py: progsize 256
    pico = layout("rpi_pico")
    assert pico["flash_bytes"] == 2 * 1024 * 1024
    assert pico["fs_bytes"] // 4096 == 352 and pico["fs_offset"] + pico["fs_bytes"] == pico["flash_bytes"]
    assert pico["progsize"] == 256 and pico["page_bytes"] == 256 and pico["sector_bytes"] == 4096


def test_esp32_layout_is_the_stock_partition_table():
    # partitions-4MiB.csv: vfs at 0x200000, 0x200000 bytes; regions in order and inside the 4 MB flash
    esp = layout("esp32_devkitc")
    assert esp["flash_bytes"] == 4 * 1024 * 1024
    assert (esp["fs_offset"], esp["fs_bytes"] // 4096, esp["progsize"]) == (0x200000, 512, 32)
    end = 0
    for _name, offset, size in esp["regions"]:
        assert offset >= end and offset % 4096 == 0
        end = offset + size
    assert end == esp["flash_bytes"] and esp["regions"][-1][0] == "vfs"
    assert raises(ValueError, layout, "arduino_uno")


def test_datasheet_timing_is_typical_page_program_and_sector_erase():
    # W25Q16JV 9.6: tPP 0.4 ms, tSE 45 ms typ; GD25Q32C 8.8: tPP 0.6 ms, tSE 50 ms typ
    assert (LAYOUTS["rpi_pico"]["page_program_us"], LAYOUTS["rpi_pico"]["sector_erase_us"]) == (400, 45000)
    assert (LAYOUTS["esp32_devkitc"]["page_program_us"], LAYOUTS["esp32_devkitc"]["sector_erase_us"]) == (600, 50000)
    flash = fresh("timing")
    flash.begin_save()
    flash.erase_sector(0x100000)
    flash.program(0x100000, b"\x00" * 256)
    flash.program(0x100100, b"\x00" * 16)
    flash.end_save()
    assert flash.last_save_us == 45000 + 2 * 400 and flash.max_save_us() == 45800 and flash.saves() == 1
    flash.begin_save()
    flash.program(0x100200, b"\x00")
    flash.end_save()
    assert flash.last_save_us == 400 and flash.max_save_us() == 45800 and flash.saves() == 2
    assert flash.slow_saves() == 0  # 45.8 ms is within the 50 ms bound
    flash.begin_save()
    flash.erase_sector(0x101000)
    flash.begin_save()  # nested store calls are one save
    for page in range(13):  # 45 ms + 13 x 0.4 ms = 50.2 ms
        flash.program(0x101000 + 256 * page, b"\x00" * 256)
    flash.end_save()
    flash.end_save()
    assert flash.last_save_us == 45000 + 13 * 400 and flash.saves() == 3 and flash.slow_saves() == 1
    flash.close()


def test_new_flash_is_erased_and_erase_sets_a_whole_sector_to_ff():
    flash = fresh("erase")
    assert read(flash, 0, 64) == b"\xff" * 64 and read(flash, flash.size - 8, 8) == b"\xff" * 8
    flash.program(0x3000, b"\x00" * 256)
    flash.program(0x3F00, b"\x00" * 256)
    flash.program(0x4000, b"\x12")
    flash.erase_sector(0x3ABC)  # any address inside the sector selects it
    assert read(flash, 0x3000, 4096) == b"\xff" * 4096
    assert read(flash, 0x4000, 1) == b"\x12"  # the next sector is untouched
    assert flash.erases(3) == 1 and flash.erases(4) == 0
    flash.close()


def test_program_only_clears_bits():
    flash = fresh("and")
    flash.program(0x10, b"\xf0\x0f")
    flash.program(0x10, b"\x3c\xff")
    assert read(flash, 0x10, 2) == b"\x30\x0f"  # 0xf0 & 0x3c, 0x0f & 0xff: no bit comes back to 1
    flash.close()


def test_program_wraps_inside_its_page():
    # W25Q16JV 8.2.13: past the end of the 256-byte page the address wraps to the page start
    flash = fresh("wrap")
    flash.program(0x1F0, bytes(range(32)))  # 16 bytes fit before 0x200
    assert read(flash, 0x1F0, 16) == bytes(range(16))
    assert read(flash, 0x100, 16) == bytes(range(16, 32))  # the rest went to the start of the same page
    assert read(flash, 0x200, 16) == b"\xff" * 16  # never into the next page
    assert flash.programs(0) == 1
    flash.close()


def test_wear_counters_persist_in_the_wear_file():
    flash = fresh("persist")
    flash.erase_sector(0x5000)
    flash.erase_sector(0x5000)
    flash.program(0x5000, b"\x00")
    path = flash.path
    flash.close()
    again = BoardFlash(path, "rpi_pico")
    assert again.erases(5) == 2 and again.programs(5) == 1 and read(again, 0x5000, 2) == b"\x00\xff"
    report = dict(again.report())
    assert report["erases_total"] == 2 and report["programs_total"] == 1
    again.close()
    assert raises(ValueError, BoardFlash, path, "esp32_devkitc")  # a 2 MiB image is no ESP32 flash


def test_region_device_addresses_only_the_filesystem_region():
    flash = fresh("region", "esp32_devkitc")
    region = flash.fs_region()
    assert (region.ioctl(4, 0), region.ioctl(5, 0)) == (512, 4096)
    region.ioctl(6, 0)
    region.writeblocks(0, b"\x00" * 600, 0)  # crosses page boundaries: split into page programs
    assert read(flash, 0x200000, 600) == b"\x00" * 600 and read(flash, 0x200000 - 4, 4) == b"\xff" * 4
    assert flash.programs(0x200) == 3 and flash.erases(0x200) == 1
    buf = bytearray(4)
    region.readblocks(0, buf, 598)
    assert bytes(buf) == b"\x00\x00\xff\xff"
    assert raises(OSError, region.readblocks, 512, buf)
    assert raises(OSError, region.ioctl, 6, 512)
    flash.close()


def test_littlefs_on_the_region_counts_wear_only_inside_it():
    try:
        import vfs
    except ImportError:  # CPython: littlefs-python behind the same API
        import host_vfs as vfs

    flash = fresh("lfs")
    region = flash.fs_region()
    vfs.VfsLfs2.mkfs(region, progsize=256)
    fs = vfs.VfsLfs2(region, progsize=256)
    with fs.open("hello.txt", "wb") as f:
        f.write(b"x" * 5000)
    with fs.open("hello.txt", "rb") as f:
        assert f.read() == b"x" * 5000
    report = dict(flash.report())
    assert report["store_erases"] == report["erases_total"] > 0
    assert report["store_blocks"] == 352 and report["store_offset"] == 0xA0000
    assert report["max_block_erases"] >= 1
    flash.close()
