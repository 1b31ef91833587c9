"""tools/build_mpy.py: every firmware and board module compiles for both MCU arches.

cpython lane only (runs mpy-cross and the unix VM as subprocesses).
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))  # appended: tools/sts.py must not shadow firmware/sts

import build_mpy  # noqa: E402

MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
MPY_MAGIC = ord("M")
MPY_VERSION = 6
# Native-arch codes in the .mpy header (MicroPython persistentcode.h).
ARCH_CODES = {"x64": 2, "armv6m": 4, "xtensawin": 10}


def _header(path):
    with open(path, "rb") as f:
        return f.read(4)


def test_discovers_every_module_in_the_trees():
    found = build_mpy.find_sources()
    on_disk = []
    for tree in ("firmware", "boards"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, tree)):
            on_disk += [os.path.relpath(os.path.join(dirpath, f), ROOT) for f in files if f.endswith(".py")]
    assert sorted(on_disk) == found
    assert "firmware/clock.py" in found


@pytest.mark.parametrize("arch", ["armv6m", "xtensawin"])
def test_every_module_compiles(arch, tmp_path):
    built = build_mpy.build_arch(arch, out_dir=str(tmp_path))
    sources = build_mpy.find_sources()
    assert [rel for rel, _ in built] == sources
    for rel, out in built:
        name = os.path.basename(rel)
        if name in ("main.py", "boot.py"):
            assert out.endswith(name)
            with open(out, "rb") as a, open(os.path.join(ROOT, rel), "rb") as b:
                assert a.read() == b.read()
        else:
            assert out == os.path.join(str(tmp_path), rel[:-3] + ".mpy")
            header = _header(out)
            assert header[0] == MPY_MAGIC and header[1] == MPY_VERSION, rel


def test_main_and_boot_stay_source_and_packages_keep_their_directories():
    assert build_mpy.output_name("firmware/main.py") == "firmware/main.py"
    assert build_mpy.output_name("firmware/boot.py") == "firmware/boot.py"
    assert build_mpy.output_name("firmware/sts/digits.py") == "firmware/sts/digits.mpy"
    assert build_mpy.output_name("boards/rpi_pico.py") == "boards/rpi_pico.mpy"


def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


@pytest.mark.parametrize("arch", ["armv6m", "xtensawin", "x64"])
def test_arch_reaches_native_code(arch, tmp_path):
    native_source = "import micropython\n@micropython.native\ndef f(x):\n    return x + 1\n"
    root = _tree(tmp_path, {"firmware/fast.py": native_source})
    built = build_mpy.build_arch(arch, root=root, out_dir=str(tmp_path / "out"))
    header = _header(built[0][1])
    assert header[2] >> 2 == ARCH_CODES[arch]


def test_compile_error_names_the_file(tmp_path):
    root = _tree(tmp_path, {"firmware/good.py": "X = 1\n", "firmware/pkg/broken.py": "def f(:\n    pass\n"})
    with pytest.raises(build_mpy.BuildError) as err:
        build_mpy.build_arch("armv6m", root=root, out_dir=str(tmp_path / "out"))
    assert "firmware/pkg/broken.py" in str(err.value)
    assert "SyntaxError" in str(err.value)


def test_unknown_arch_is_a_clear_error(tmp_path):
    with pytest.raises(build_mpy.BuildError) as err:
        build_mpy.build_arch("z80", out_dir=str(tmp_path))
    assert "z80" in str(err.value)


def test_cli_exit_code_and_message_on_failure(tmp_path):
    root = _tree(tmp_path, {"firmware/bad.py": "x = = 1\n"})
    script = os.path.join(ROOT, "tools", "build_mpy.py")
    proc = subprocess.run([sys.executable, script, "armv6m", "--root", root], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "error: cannot compile firmware/bad.py" in proc.stderr
    assert not os.path.exists(os.path.join(root, "build", "armv6m", "firmware", "bad.mpy"))


def test_x64_build_imports_in_the_unix_vm(tmp_path):
    built = build_mpy.build_arch("x64", out_dir=str(tmp_path))
    mpy_modules = [rel for rel, out in built if out.endswith(".mpy") and rel.startswith("firmware/")]
    if not mpy_modules:
        pytest.skip("no firmware modules yet")
    # Load a module that needs nothing but the VM itself, from .mpy only (no source beside it).
    env = dict(os.environ, MICROPYPATH=os.path.join(str(tmp_path), "firmware"))
    code = "import clock; print(clock.__file__); print(clock.ticks_diff(5, 3))"
    proc = subprocess.run([MICROPYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[0].endswith("clock.mpy")
    assert proc.stdout.split()[1] == "2"


def test_a_module_names_its_device_file_in_tracebacks_and_in___file__(tmp_path):
    """Imported as a board imports it (working directory = the device root, "" first on
    the path), a built module's __file__ and the file its tracebacks name are one string,
    its device path: the VM interns one name per module for both, not two."""
    root = tmp_path / "repo"
    (root / "firmware" / "pkg").mkdir(parents=True)
    (root / "boards").mkdir()
    (root / "firmware" / "pkg" / "__init__.py").write_text("")
    (root / "firmware" / "pkg" / "fails.py").write_text("def run():\n    return 1 // 0\n")
    build_mpy.build_arch("armv6m", root=str(root))
    device_root = root / "build" / "armv6m" / "firmware"
    code = ("import sys\nimport pkg.fails\nprint(pkg.fails.__file__)\n"
            "try:\n pkg.fails.run()\nexcept ZeroDivisionError as e:\n sys.print_exception(e)\n")
    env = dict(os.environ, MICROPYPATH=":.frozen")  # "" first: the working directory, as on a board
    proc = subprocess.run([MICROPYTHON, "-c", code], cwd=str(device_root), env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "pkg/fails.mpy"
    assert 'File "pkg/fails.mpy", line 2, in run' in proc.stdout


def test_a_romfs_build_names_the_file_the_board_imports_from_rom(tmp_path):
    """Built for a ROMFS image (tools/deploy.py), a module's recorded file name is its path
    under /rom, where the board's sys.path finds it: again one name for __file__ and
    tracebacks."""
    import deploy

    root = tmp_path / "repo"
    (root / "firmware" / "pkg").mkdir(parents=True)
    (root / "boards").mkdir()
    (root / "firmware" / "pkg" / "__init__.py").write_text("")
    (root / "firmware" / "pkg" / "fails.py").write_text("def run():\n    return 1 // 0\n")
    tree = deploy.build_tree(str(root), "armv6m", romfs=True)
    firmware = os.path.join(tree, "firmware")
    plan = [(os.path.join(firmware, "pkg", name), "/pkg/" + name) for name in ("__init__.mpy", "fails.mpy")]
    image = str(tmp_path / "rom.img")
    deploy.build_romfs_image(plan, image)
    code = ("import sys, vfs\nvfs.mount(vfs.VfsRom(open(%r, 'rb').read()), '/rom')\nsys.path.insert(0, '/rom')\n"
            "import pkg.fails\nprint(pkg.fails.__file__)\n"
            "try:\n pkg.fails.run()\nexcept ZeroDivisionError as e:\n sys.print_exception(e)\n") % image
    proc = subprocess.run([MICROPYTHON, "-c", code], cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "/rom/pkg/fails.mpy"
    assert 'File "/rom/pkg/fails.mpy", line 2, in run' in proc.stdout


def test_a_repeat_build_compiles_only_what_changed(tmp_path):
    root = tmp_path / "repo"
    (root / "firmware" / "pkg").mkdir(parents=True)
    (root / "boards").mkdir()
    (root / "firmware" / "main.py").write_text("import pkg.a\n")
    (root / "firmware" / "pkg" / "__init__.py").write_text("")
    (root / "firmware" / "pkg" / "a.py").write_text("A = 1\n")
    (root / "firmware" / "pkg" / "b.py").write_text("B = 2\n")
    stats = {}
    build_mpy.build_arch("armv6m", root=str(root), stats=stats)
    assert stats == {"compiled": 4, "unchanged": 0}
    out = root / "build" / "armv6m" / "firmware" / "pkg"
    first_a = (out / "a.mpy").read_bytes()
    build_mpy.build_arch("armv6m", root=str(root), stats=stats)
    assert stats == {"compiled": 0, "unchanged": 4}
    (root / "firmware" / "pkg" / "a.py").write_text("A = 3\n")
    (root / "firmware" / "pkg" / "b.py").unlink()
    build_mpy.build_arch("armv6m", root=str(root), stats=stats)
    assert stats == {"compiled": 1, "unchanged": 2}
    assert not (out / "b.mpy").exists()  # a deleted module does not linger
    assert (out / "a.mpy").read_bytes() != first_a  # recompiled from the new source
    (out / "a.mpy").unlink()  # an output lost from the build dir is made again
    build_mpy.build_arch("armv6m", root=str(root), stats=stats)
    assert stats == {"compiled": 1, "unchanged": 2}
