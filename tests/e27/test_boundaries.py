"""The backend stands on its own: no Home Assistant imports, relative imports only, a pinned surface."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).parents[2] / "custom_components" / "elke27" / "e27"


def test_fresh_interpreter_imports_backend_without_homeassistant() -> None:
    """Load the backend as a top-level package, the way its relative imports allow, and list HA modules."""
    code = (
        "import pkgutil, sys\n"
        f"sys.path.insert(0, {str(BACKEND.parent)!r})\n"
        "import e27\n"
        "for info in pkgutil.iter_modules(e27.__path__):\n"
        "    __import__('e27.' + info.name)\n"
        "print(len([m for m in sys.modules if m.startswith('e27.')]))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'homeassistant'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    count, ha_modules = result.stdout.splitlines()
    assert int(count) >= 9
    assert ha_modules == "[]"


def test_backend_uses_relative_imports_only() -> None:
    for path in BACKEND.glob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module is not None
                assert not node.module.startswith(("custom_components", "e27", "homeassistant")), (
                    f"{path.name} imports {node.module} absolutely"
                )
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(("custom_components", "homeassistant")), path.name


def test_public_surface() -> None:
    from custom_components.elke27 import e27

    assert sorted(e27.__all__) == [
        "AlarmType",
        "Area",
        "AreaState",
        "ArmState",
        "Barrier",
        "BarrierState",
        "BootstrapStats",
        "BypassResult",
        "ClientIdentity",
        "ClientTiming",
        "ConnectionEvent",
        "DiscoveredPanel",
        "E27Client",
        "E27CommandError",
        "E27ConnectionError",
        "E27Error",
        "E27LinkError",
        "E27LinkKeyDoubtError",
        "E27LinkTableFullError",
        "E27NotSentError",
        "E27ProtocolError",
        "E27ProvisioningRequired",
        "E27SessionRefusedError",
        "E27TimeoutError",
        "FanMode",
        "Light",
        "LinkCredentials",
        "LinkTrouble",
        "Lock",
        "LogAction",
        "LogArming",
        "LogEntry",
        "Message",
        "Output",
        "Panel",
        "PanelEvent",
        "ReadyStatus",
        "Session",
        "SessionState",
        "Thermostat",
        "ThermostatMode",
        "VersionInfo",
        "Zone",
        "ZoneKind",
        "action_asked_at",
        "async_discover",
        "async_probe",
        "async_provision",
        "parse_arming",
    ]
    for name in e27.__all__:
        assert getattr(e27, name) is not None


def test_error_tree_tells_the_caller_what_to_do() -> None:
    from custom_components.elke27.e27 import errors

    assert issubclass(errors.E27TimeoutError, errors.E27ConnectionError)
    assert issubclass(errors.E27LinkTableFullError, errors.E27LinkError)
    for leaf in (errors.E27CrcError, errors.E27FrameLengthError, errors.E27CryptoError, errors.E27MessageError):
        assert issubclass(leaf, errors.E27ProtocolError)
    # Reauth and retry-later must never be confused.
    assert not issubclass(errors.E27ProvisioningRequired, errors.E27ConnectionError)
    assert not issubclass(errors.E27ConnectionError, errors.E27ProvisioningRequired)
    err = errors.E27CommandError(11015, "not ready")
    assert (err.code, err.reason) == (11015, "not ready")
    assert "11015" in str(err)
