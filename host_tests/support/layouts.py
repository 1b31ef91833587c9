# Board flash layouts for the store's proofs (tools/powercut.py, tools/damage.py,
# the wear bench): the port's own littlefs with the board's geometry, holding the
# deployed firmware files next to the store, as on a board (store/README.md).
from norflash import NorFlash
from store.volume import mount_flash

# name: (blocks of 4 KiB, littlefs progsize): the filesystem region of the stock image
LAYOUTS = {
    "rpi_pico": (352, 256),  # 1.4 MiB filesystem of a 2 MiB W25Q16JV, 256-byte program pages
    "esp32_devkitc": (512, 32),  # 2 MiB "vfs" partition of a 4 MiB ESP32-WROOM-32
}
DEPLOYED_FILES = 36  # firmware .mpy files and the board file, as tools/deploy.py leaves them


def deploy_files(fs, count=DEPLOYED_FILES):
    """Files of the sizes a deployed firmware has (0.5-12 KB), written once."""
    for folder in ("lib", "lib/store"):
        try:
            fs.mkdir(folder)
        except OSError:
            pass
    for i in range(count):
        size = 500 + (i * 2749) % 11500
        f = fs.open("lib/f%02d.mpy" % i, "wb")
        try:
            f.write(bytes((i * 7 + j) & 0xFF for j in range(256)) * (size // 256) + b"\x00" * (size % 256))
        finally:
            f.close()
    f = fs.open("board.py", "wb")
    f.write(b"# board file\n" * 40)
    f.close()


def board_flash(layout, image=None):
    """(NorFlash, progsize) of a layout; a new one is formatted and deployed."""
    blocks, progsize = LAYOUTS[layout]
    flash = NorFlash(blocks, 4096, image)
    if image is None:
        deploy_files(mount_flash(flash, progsize))
    return flash, progsize
