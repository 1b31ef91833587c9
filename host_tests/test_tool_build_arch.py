"""Per-arch builds of the viper modules (sts/viper_*.py): each build loads only where it
should, and `make deploy` picks the build the board runs.

cpython lane only (runs mpy-cross, the unix VM and a virtual board as subprocesses).
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))  # appended: tools/sts.py must not shadow firmware/sts

import build_mpy  # noqa: E402
import deploy  # noqa: E402
from test_tool_vboard_deploy import board  # noqa: E402, F401  (the virtual board fixture)

MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
ARCH_CODES = {"x64": 2, "armv6m": 4, "xtensawin": 10, "rv32imc": 11}  # py/persistentcode.h
VIPER_MODULES = ("sts/viper_sta.mpy", "sts/viper_misty1.mpy", "sts/viper_frame.mpy")
MCU_ARCHES = ("armv6m", "xtensawin", "rv32imc")
# STS 531-1-0-02 CTSA10 (EA07): token, decoder key, plaintext block
TOKEN, KEY, PLAIN = "02194538019157867319", "e653341f9d5bf36f", "055a43a33ffff74e"
DECODE = (
    "import sts.sta, sts.sta_cipher, sts.misty1, sts.digits, sts.crc\n"
    "from sts.digits import parse\n"
    "from sts.layouts import hex_from_words\n"
    "w = [0, 0, 0, 0]\n"
    "parse(%r, w)\n"
    "sts.sta_cipher.Sta(bytes.fromhex(%r)).decrypt(w)\n"
    "print(sts.sta.__file__, hex_from_words(w), sts.sta.NATIVE, sts.misty1.NATIVE, sts.digits.NATIVE, sts.crc.NATIVE)\n"
) % (TOKEN, KEY)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    for arch in MCU_ARCHES + ("x64",):
        build_mpy.build_arch(arch, out_dir=str(out / arch))
    return out


def _unix_vm(tree, code):
    env = dict(os.environ, MICROPYPATH=str(tree / "firmware"))
    return subprocess.run([MICROPYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("arch", MCU_ARCHES + ("x64",))
def test_viper_modules_carry_the_arch_and_the_rest_is_portable(builds, arch):
    for rel in VIPER_MODULES:
        with open(builds / arch / "firmware" / rel, "rb") as f:
            assert f.read(4)[2] >> 2 == ARCH_CODES[arch], rel
    with open(builds / arch / "firmware" / "sts" / "pipeline.mpy", "rb") as f:
        assert f.read(4)[2] >> 2 == 0  # bytecode only: no arch


def test_x64_build_runs_the_viper_path_on_the_unix_vm(builds):
    proc = _unix_vm(builds / "x64", DECODE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == [str(builds / "x64" / "firmware" / "sts" / "sta.mpy"), PLAIN] + ["True"] * 4


@pytest.mark.parametrize("arch", MCU_ARCHES)
def test_mcu_build_is_refused_by_the_unix_vm_and_the_engine_falls_back(builds, arch):
    proc = _unix_vm(builds / arch, "import sts.viper_sta")
    assert proc.returncode == 1
    assert "ValueError: incompatible .mpy arch" in proc.stdout  # the VM prints tracebacks on stdout
    proc = _unix_vm(builds / arch, DECODE)  # the Python fallback still decodes right (slowly)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[1:] == [PLAIN] + ["False"] * 4


def test_pick_arch_follows_the_board_and_refuses_a_mismatch():
    assert deploy.pick_arch("rpi_pico", "armv6m") == "armv6m"
    assert deploy.pick_arch("esp32_devkitc", "xtensawin") == "xtensawin"
    assert deploy.pick_arch("host", "x64") == "x64"
    assert deploy.pick_arch("rpi_pico", None) == "armv6m"  # a port without native code: nothing to check
    assert deploy.pick_arch("rpi_pico", "xtensawin", override="xtensawin") == "xtensawin"
    with pytest.raises(deploy.DeployError) as err:
        deploy.pick_arch("rpi_pico", "xtensawin")
    assert "BOARD=rpi_pico needs armv6m" in str(err.value) and "runs xtensawin" in str(err.value)


def test_deploy_asks_the_board_and_picks_its_build(board):  # noqa: F811  (the imported fixture)
    port, fs = board
    assert deploy.device_info(port) == ("x64", False)  # the unix VM: x64 native code, no vfs.rom_ioctl
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "--board", "rpi_pico",
                           "--port", port], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 1
    assert "BOARD=rpi_pico needs armv6m code but the device on this port runs x64" in proc.stderr
    assert not (fs / "sts").exists()  # refused before copying anything
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "--board", "host",
                           "--port", port], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(x64)" in proc.stdout
    with open(fs / "sts" / "viper_sta.mpy", "rb") as f:
        assert f.read(4)[2] >> 2 == ARCH_CODES["x64"]


def test_romfs_image_of_a_build_runs_in_place_on_the_unix_vm(tmp_path):
    plan = deploy.plan_files("host", arch="x64")
    rom, files = deploy.split_for_romfs(plan)
    assert [device for _, device in files] == ["/main.py"]  # the port runs main.py from its filesystem
    assert rom and all(device.endswith(".mpy") for _, device in rom)
    assert "/sts/viper_sta.mpy" in [device for _, device in rom]
    image = tmp_path / "romfs.img"
    assert deploy.build_romfs_image(rom, str(image)) == image.stat().st_size
    code = ("import sys, vfs\nwith open(%r, 'rb') as f:\n img = f.read()\nvfs.mount(vfs.VfsRom(img), '/rom')\n"
            "sys.path[:] = ['/rom']\nimport meter.system\n" % str(image)) + DECODE
    proc = subprocess.run([MICROPYTHON, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["/rom/sts/sta.mpy", PLAIN] + ["True"] * 4


def test_deploy_uses_romfs_when_the_board_has_it(monkeypatch, tmp_path):
    calls = []

    def fake_mpremote(port, args, timeout=0, on_line=None):
        calls.append(list(args))
        return 0, [], ""

    monkeypatch.setattr(deploy, "device_info", lambda port: ("x64", True))
    monkeypatch.setattr(deploy, "mpremote", fake_mpremote)
    monkeypatch.setattr(deploy.ports, "resolve", lambda port, board_name, say=None: port)
    monkeypatch.setattr(deploy.ports, "probe_raw_repl", lambda port: None)
    checked = []
    monkeypatch.setattr(deploy, "verify", lambda port, plan, say=print: checked.extend(plan) or [])
    assert deploy.main(["--board", "host", "--port", "/dev/fake"]) == 0
    romfs = [c for c in calls if c[:2] == ["romfs", "deploy"]]
    # The image's modules are built for it (build/x64-romfs: file names under /rom).
    assert len(romfs) == 1 and romfs[0][2].endswith(os.path.join("build", "x64-romfs", "romfs.img"))
    copies = [c for c in calls if "cp" in c]
    assert len(copies) == 1 and copies[0][1:] == ["cp", os.path.join(ROOT, "build", "x64-romfs", "firmware",
                                                                      "main.py"), ":/main.py"]
    with open(os.path.join(ROOT, "build", "x64-romfs", "firmware", "sts", "sta.mpy"), "rb") as f:
        assert b"/rom/sts/sta.mpy" in f.read()
    removed = [c for c in calls if c[0] == "exec" and "'/sts/sta.mpy'" in c[1]]
    assert removed and "'/sts/sta.py'" in removed[0][1]  # filesystem copies would shadow /rom
    assert ("/rom/sts/sta.mpy" in [device for _, device in checked]) and ("/main.py" in [d for _, d in checked])
    calls.clear()
    assert deploy.main(["--board", "host", "--port", "/dev/fake", "--no-romfs"]) == 0
    assert not [c for c in calls if c[:1] == ["romfs"]]
