# Board flash layouts for the store's proofs (tools/powercut.py, tools/damage.py,
# the wear bench): the port's own littlefs with the board's geometry, holding the
# deployed firmware files next to the store, as on a board (store/README.md).
import board_layouts
from norflash import NorFlash
from store.volume import mount_flash

# name: (blocks of 4 KiB, littlefs progsize): the filesystem region of the stock
# image, from the one table of board layouts (host_tests/fakes/board_layouts.py)
LAYOUTS = {}
for _name, _layout in board_layouts.LAYOUTS.items():
    LAYOUTS[_name] = (_layout["fs_bytes"] // _layout["sector_bytes"], _layout["progsize"])
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
