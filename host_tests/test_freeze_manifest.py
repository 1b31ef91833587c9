# tools/freeze_manifest.py freezes every firmware package and module except
# main.py (which MicroPython runs from the filesystem).
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _recorder(calls):
    def record(first, **kw):
        calls.append((first, kw))

    return record


def _frozen():
    """Run the manifest the way MicroPython's manifest tool does, recording its calls."""
    seen = {"include": [], "package": [], "module": []}
    api = {name: _recorder(calls) for name, calls in seen.items()}
    with open(os.path.join(ROOT, "tools", "freeze_manifest.py")) as f:
        exec(compile(f.read(), "freeze_manifest.py", "exec"), dict(api))
    return seen


def test_manifest_freezes_every_firmware_package_and_module_but_main():
    seen = _frozen()
    firmware = os.path.join(ROOT, "firmware")
    packages = {n for n in os.listdir(firmware) if os.path.isfile(os.path.join(firmware, n, "__init__.py"))}
    modules = {n for n in os.listdir(firmware) if n.endswith(".py") and n != "main.py"}
    assert {name for name, _ in seen["package"]} == packages
    assert {name for name, _ in seen["module"]} == modules
    for _, kw in seen["package"] + seen["module"]:
        assert os.path.normpath(os.path.join(ROOT, "tools", kw["base_path"])) == firmware
    assert seen["include"] == [("$(PORT_DIR)/boards/manifest.py", {})]
