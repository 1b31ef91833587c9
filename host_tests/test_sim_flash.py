# The simulator's flash is the board's whole flash (host_tests/fakes/board_flash.py):
# `sim flash` shows its wear, the counts survive power cycles, each --layout has
# its board's geometry, and store_offset/store_bytes are where the firmware's
# filesystem really is in the --flash image.
from sim_client import SimSession
from support.vend import credit

FLASH_KEYS = ("erases_total", "programs_total", "max_block_erases", "store_blocks", "store_erases", "store_offset",
              "store_bytes")


def flash_report(sim):
    reply = sim.cmd("sim flash")
    assert reply[-1] == "OK", reply
    report = dict(line.split("=", 1) for line in reply[:-1])
    for key in FLASH_KEYS:
        assert key in report, (key, reply)
    return report


def number(report, key):
    return int(report[key])


def test_wear_grows_under_load_and_survives_power_cycles(tmp_path):
    flash = tmp_path / "pico.img"
    sim = SimSession(flash)
    try:
        booted = flash_report(sim)
        # the store starts clean beside the deployed files (its folders are not the firmware's package folders)
        assert not [line for line in sim.log if "storage recovery" in line], sim.log
        assert booted["layout"] == "rpi_pico" and number(booted, "store_blocks") == 352
        # format + deploy of the firmware files already wore the filesystem region, and only that
        assert number(booted, "store_erases") == number(booted, "erases_total") > 0
        assert number(booted, "programs_total") > 100  # the deployed files
        assert 0 < number(booted, "fs_blocks_free") < 352 - 50  # ... which hold a part of the filesystem
        assert sim.cmd("token " + credit(6_300_000, 100))[0] == "result=1 Accept"
        sim.cmd("sim load 5000")
        sim.cmd("sim advance 3600")
        loaded = flash_report(sim)
        assert number(loaded, "erases_total") > number(booted, "erases_total")
        assert number(loaded, "programs_total") > number(booted, "programs_total")
        assert number(loaded, "max_save_busy_us") >= 400  # at least one page program (W25Q16JV tPP)
        assert sim.cmd("sim power off")[-1] == "OK"
        assert sim.cmd("sim power on")[-1] == "OK"
        again = flash_report(sim)
        for key in ("erases_total", "programs_total", "store_erases", "max_save_busy_us"):
            assert number(again, key) >= number(loaded, key), key
    finally:
        sim.close()
    restarted = SimSession(flash)  # quit and start again: the counts are kept next to the image
    try:
        assert number(flash_report(restarted), "erases_total") >= number(again, "erases_total")
        assert (tmp_path / "pico.img.wear").exists()
    finally:
        restarted.close()


def test_esp32_layout_and_the_store_range_in_the_image(tmp_path):
    flash = tmp_path / "esp32.img"
    sim = SimSession(flash, "--layout", "esp32_devkitc")
    try:
        report = flash_report(sim)
        assert report["layout"] == "esp32_devkitc" and report["progsize"] == "32"
        assert (number(report, "store_offset"), number(report, "store_bytes")) == (0x200000, 0x200000)
        assert number(report, "store_blocks") == 512 and number(report, "flash_bytes") == 4 * 1024 * 1024
        assert sim.cmd("token " + credit(6_300_100, 25))[0] == "result=1 Accept"
        credit_wh = sim.status()["credit_wh"]
    finally:
        sim.close()
    image = flash.read_bytes()
    assert len(image) == 4 * 1024 * 1024
    offset, size = number(report, "store_offset"), number(report, "store_bytes")
    assert image[offset:offset + size] != b"\xff" * size and image[:offset] == b"\xff" * offset

    # outside the range (the app partition, the last byte before the filesystem): the meter does not notice
    damaged = bytearray(image)
    damaged[0x10000:0x11000] = b"\x00" * 0x1000
    damaged[offset - 1] = 0
    flash.write_bytes(bytes(damaged))
    sim = SimSession(flash, "--layout", "esp32_devkitc")
    try:
        status = sim.status()
        assert status["credit_wh"] == credit_wh and status.get("storage", "ok") == "ok", status
    finally:
        sim.close()

    # inside it (littlefs's superblock pair at the region's start): the firmware no longer finds its store
    # and boots unprovisioned, so the simulator refuses to run it as the demo meter
    damaged[offset:offset + 2 * 4096] = b"\x00" * (2 * 4096)
    flash.write_bytes(bytes(damaged))
    proc = run_sim(flash, "--layout", "esp32_devkitc")
    assert proc.returncode == 1 and "pan=unprovisioned" in proc.stderr, (proc.stdout, proc.stderr)


def run_sim(flash, *options):
    """tools/sim.py --headless with `status` as its whole input: the finished process."""
    import subprocess
    import sys

    from sim_client import ROOT

    return subprocess.run([sys.executable, "tools/sim.py", "--headless", "--flash", str(flash)] + list(options),
                          cwd=ROOT, input="status\n", capture_output=True, text=True, timeout=120)


def test_an_image_of_another_layout_is_refused_in_one_line(tmp_path):
    flash = tmp_path / "small.img"
    flash.write_bytes(b"\xff" * 4096)
    proc = run_sim(flash)
    assert proc.returncode == 1 and "not a rpi_pico flash" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
