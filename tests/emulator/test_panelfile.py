"""Panel files: the built-in panels load, `count` expands, and every bad field is named in the error."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from e27_emulator import DEFINITIONS, ZONE_TYPES, PanelFileError, load_panel
from e27_emulator.model import Zone

MINIMAL = 'areas = [{ id = 1, name = "Home" }]\n'


def test_default_panel_covers_every_definition() -> None:
    spec = load_panel("default")
    zones: list[Zone] = list(spec.objects["zone"].values())  # type: ignore[arg-type]
    assert {zone.definition for zone in zones} == {d.name for d in DEFINITIONS} - {"UNDEFINED"}
    assert {zone.zone_type for zone in zones} <= set(ZONE_TYPES)
    weak = [zone for zone in zones if zone.wireless and zone.low_batt]
    assert [zone.id for zone in weak] == [18]
    counts = {domain: len(objects) for domain, objects in spec.objects.items()}
    assert counts == {
        "area": 2,
        "zone": 18,
        "output": 4,
        "light": 2,
        "lock": 1,
        "barrier": 1,
        "tstat": 1,
        "keypad": 2,
        "user": 4,
        "usergroup": 3,
    }
    pins = {user.name: user.pin for user in spec.objects["user"].values()}  # type: ignore[attr-defined]
    assert pins == {"Master": 1234, "Family": 2580, "Garage": 3690, "Installer": 172839}


def test_large_panel() -> None:
    spec = load_panel("large")
    counts = {domain: len(objects) for domain, objects in spec.objects.items()}
    assert (counts["area"], counts["zone"], counts["output"], counts["light"]) == (8, 192, 64, 16)
    assert (counts["lock"], counts["barrier"], counts["tstat"]) == (8, 4, 8)
    per_area = Counter(zone.area for zone in spec.objects["zone"].values())  # type: ignore[attr-defined]
    assert per_area == dict.fromkeys(range(1, 9), 24)
    assert spec.objects["zone"][2].name == "Lobby Door 2"  # type: ignore[attr-defined]
    assert spec.troubles == ["Clock Not Set"]


def test_load_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(
        MINIMAL + 'zones = [{ id = 5, count = 3, name = "Window {n} (zone {id})", area = 1 }]\n'
        '[panel]\nname = "Mini"\n[tables]\nzone = 16\n'
    )
    spec = load_panel(path)
    assert spec.info.name == "Mini"
    assert [zone.name for zone in spec.objects["zone"].values()] == [  # type: ignore[attr-defined]
        "Window 1 (zone 5)",
        "Window 2 (zone 6)",
        "Window 3 (zone 7)",
    ]
    assert spec.tables["zone"] == 16
    assert spec.tables["area"] == 8  # defaults for the rest
    assert load_panel(str(path)).info.name == "Mini"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zones = [{ id = 1, name = 'x' }]\n", "areas: at least one area"),
        (MINIMAL + "[panle]\n", "panle: unknown section"),
        (MINIMAL + "[panel]\nnmae = 'x'\n", r"panel\.nmae: unknown field"),
        (MINIMAL + "zones = [{ id = 1, name = 'x', defintion = 'FIRE' }]\n", r"zones\[0\]\.defintion: unknown field"),
        (
            MINIMAL + "zones = [{ id = 1, name = 'x', definition = 'FIRE ALARM' }]\n",
            r"zones\[0\]\.definition: 'FIRE ALARM'",
        ),
        (MINIMAL + "zones = [{ id = 1, name = 'x', zone_type = 'CAT' }]\n", r"zones\[0\]\.zone_type"),
        (MINIMAL + "zones = [{ id = '1', name = 'x' }]\n", r"zones\[0\]\.id: expected an integer"),
        (MINIMAL + "zones = [{ id = 1 }]\n", r"zones\[0\]\.name: missing"),
        (MINIMAL + "zones = [{ id = 1, name = 'x', wireless = 1 }]\n", r"wireless: expected true or false"),
        (MINIMAL + "zones = [{ id = 1, name = 'a' }, { id = 1, name = 'b' }]\n", r"zones\[1\]\.id: 1 is used twice"),
        (MINIMAL + "zones = [{ id = 70, name = 'x' }]\n", r"zones\[id=70\]\.id: above tables\.zone \(64\)"),
        (MINIMAL + "zones = [{ id = 1, name = 'x', area = 2 }]\n", r"zones\[id=1\]\.area: no area 2"),
        (MINIMAL + "lights = [{ id = 1, name = 'x', level = 100 }]\n", r"lights\[0\]\.level: 100 is above 99"),
        (MINIMAL + "tstats = [{ id = 1, name = 'x', heat_setpoint = 30 }]\n", r"heat_setpoint: 30 is below 40"),
        (MINIMAL + "users = [{ id = 1, name = 'a', pin = '1234' }]\n", r"users\[0\]\.pin: expected an integer"),
        (MINIMAL + "users = [{ id = 1, name = 'a', pin = 0 }]\n", r"users\[0\]\.pin: 0 is below 1"),
        (
            MINIMAL + "users = [{ id = 1, name = 'a', pin = 11 }, { id = 2, name = 'b', pin = 11 }]\n",
            r"users\[id=2\]\.pin: same PIN as user 1",
        ),
        (MINIMAL + "users = [{ id = 1, name = 'a', pin = 11, areas = [3] }]\n", r"users\[id=1\]\.areas: no area 3"),
        (MINIMAL + "users = [{ id = 1, count = 2, name = 'a', pin = 11 }]\n", r"count: not allowed with pin"),
        (MINIMAL + "zones = [{ id = 1, count = 0, name = 'x' }]\n", r"zones\[0\]\.count: 0 is below 1"),
        (MINIMAL + "zones = ['x']\n", r"zones\[0\]: expected a table"),
        (MINIMAL + "zones = { id = 1 }\n", r"zones: expected an array of tables"),
        (MINIMAL + "troubles = 'AC'\n", r"troubles: expected a list"),
        (MINIMAL + "[tables]\nzone = -1\n", r"tables\.zone: -1 is below 0"),
        (MINIMAL + "[tables]\nzones = 4\n", r"tables\.zones: unknown field"),
        (MINIMAL + "barriers = [{ id = 1, name = 'x', status = 'OPENING' }]\n", r"barriers\[0\]\.status"),
        ("areas = [\n", "not valid TOML"),
    ],
)
def test_bad_panel_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PanelFileError, match=message) as err:
        load_panel(path)
    assert str(err.value).startswith(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PanelFileError, match="cannot read"):
        load_panel(tmp_path / "nope.toml")
