"""Every user-visible string exists: translation keys used in code, services, selectors, icons."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

INTEGRATION = Path(__file__).parents[3] / "custom_components" / "elke27"
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text())


def _keyword_values(name: str) -> set[str]:
    """String literals passed as keyword `name=` anywhere in the integration's own modules."""
    found: set[str] = set()
    for path in INTEGRATION.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == name and isinstance(node.value, ast.Constant):
                found.add(node.value.value)
    return found


def _dict_values_of(variable: str) -> set[str]:
    found: set[str] = set()
    for path in INTEGRATION.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                found |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return found


def test_english_translation_is_the_strings_file() -> None:
    assert json.loads((INTEGRATION / "translations" / "en.json").read_text()) == STRINGS


def test_no_unresolved_references() -> None:
    """Custom integrations do not get [%key:…%] references resolved."""
    assert "[%key:" not in (INTEGRATION / "strings.json").read_text()


def test_exception_keys_exist() -> None:
    used = {key for key in _keyword_values("translation_key") if key not in _entity_keys()}
    used |= _dict_values_of("_COMMAND_ERRORS") | {"command_refused"}
    config_keys = {"panel", "arm_mode"}
    missing = used - set(STRINGS["exceptions"]) - set(STRINGS["issues"]) - config_keys
    assert not missing, f"exception keys missing from strings.json: {sorted(missing)}"


def _entity_keys() -> set[str]:
    return {key for platform in STRINGS["entity"].values() for key in platform}


def test_entity_translation_keys_exist() -> None:
    for path in INTEGRATION.glob("*.py"):
        platform = path.stem
        source = path.read_text()
        for key in re.findall(r'translation_key="([a-z_]+)"', source):
            if platform in STRINGS["entity"] and "Description(" in source:
                assert key in STRINGS["entity"][platform] or key in STRINGS["exceptions"], (
                    f"{platform}.{key} has no entity translation"
                )


def test_every_placeholder_is_supplied() -> None:
    """Entity names with a {zone} placeholder are only used by entities that set it."""
    for platform, keys in STRINGS["entity"].items():
        for key, value in keys.items():
            if "{zone}" in value.get("name", ""):
                source = (INTEGRATION / f"{platform}.py").read_text()
                assert '"zone": zone_label(coordinator, zone)' in source, f"{platform}.{key} needs a zone placeholder"


def test_issues_are_described() -> None:
    """Every repair issue the integration raises (troubles, taking over community entries) has its text."""
    from custom_components.elke27 import coordinator, migration
    from custom_components.elke27.troubles import REPAIR_KINDS

    kinds = {kind.value for kind in REPAIR_KINDS}
    kinds |= {migration.ISSUE_IDENTITY_UNKNOWN, migration.ISSUE_DUPLICATE, migration.ISSUE_UNUSABLE}
    kinds |= {coordinator.ISSUE_UNREACHABLE}
    assert kinds == set(STRINGS["issues"])
    for issue in STRINGS["issues"].values():
        assert set(issue) == {"title", "description"}
        assert issue["title"]
        assert issue["description"]


def test_event_types_and_alarm_types_are_translated() -> None:
    from custom_components.elke27.area_events import AreaEventType
    from custom_components.elke27.e27 import AlarmType
    from custom_components.elke27.troubles import TroubleKind

    events = STRINGS["entity"]["event"]["area_events"]["state_attributes"]
    assert set(events["event_type"]["state"]) == {kind.value for kind in AreaEventType}
    assert set(events["alarm_type"]["state"]) == {kind.lower() for kind in AlarmType}
    alarm_types = STRINGS["entity"]["sensor"]["alarm_type"]["state"]
    assert set(alarm_types) == {"none"} | {kind.lower() for kind in AlarmType}
    for key in ("trouble", "area_trouble"):
        troubles = STRINGS["entity"]["binary_sensor"][key]["state_attributes"]["troubles"]["state"]
        assert set(troubles) == {kind.value for kind in TroubleKind}
    # A trouble-type sensor lists its types in `troubles`: the frontend names each like the state.
    for key in ("trouble_type", "area_trouble_type", "zone_trouble_type"):
        sensor = STRINGS["entity"]["sensor"][key]
        listed = set(sensor["state"]) - {"none", "multiple"}
        assert sensor["state_attributes"]["troubles"]["state"] == {name: sensor["state"][name] for name in listed}


def test_services_are_described() -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    assert set(services) == set(STRINGS["services"])
    for name, service in services.items():
        assert set(service["fields"]) == set(STRINGS["services"][name]["fields"])
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    assert set(icons["services"]) == set(services)


@pytest.mark.parametrize(("kind", "module"), [("triggers", "trigger"), ("conditions", "condition")])
def test_triggers_and_conditions_are_described(kind: str, module: str) -> None:
    """Each trigger and condition: its fields in the YAML, translated with its fields, with an icon."""
    import importlib

    descriptions = yaml.safe_load((INTEGRATION / f"{kind}.yaml").read_text())
    described = {key: value for key, value in descriptions.items() if not key.startswith(".")}
    platform = importlib.import_module(f"custom_components.elke27.{module}")
    assert set(described) == set(getattr(platform, kind.upper())) == set(STRINGS[kind])
    for key, description in described.items():
        assert set((description or {}).get("fields", {})) == set(STRINGS[kind][key].get("fields", {})), key
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    assert set(icons[kind]) == set(described)
    for key in ("arm_mode", "alarm_type"):  # the selectors' options are translated
        options = {
            option
            for description in described.values()
            for field in (description or {}).get("fields", {}).values()
            if (select := field["selector"].get("select", {})).get("translation_key") == key
            for option in select["options"]
        }
        assert options <= set(STRINGS["selector"][key]["options"]), key


def test_config_flow_fields_have_descriptions() -> None:
    for section in ("config", "options"):
        for step_id, step in STRINGS[section]["step"].items():
            assert set(step.get("data", {})) == set(step.get("data_description", {})), f"{section}.{step_id}"


def test_exception_placeholders_are_the_ones_the_code_supplies() -> None:
    """A message with a placeholder its raiser does not supply would show the raw {name}."""
    supplied: dict[str, set[str]] = {"command_refused": {"reason", "code"}, "invalid_value": {"error"}}
    for key in ("wrong_code", "not_authorized", "not_ready", "not_bypassable", "in_alarm", "not_allowed_when_armed"):
        supplied[key] = {"reason", "code"}  # the generic refusal placeholders (unused by these messages)
    supplied |= {
        "not_ready_zones": {"area", "zones"},
        "not_ready_zone": {"area", "zone"},
        "bypass_failed": {"zones"},
        "cannot_connect": {"name", "error"},
    }
    supplied |= {
        "link_refused": {"name"},
        "link_doubt": {"name"},
        "not_our_entity": {"entity"},
        "not_loaded": {"entity"},
    }
    supplied |= {"unexpected_error": {"name", "error"}, "refresh_failed": {"error"}}
    supplied |= {"identity_unknown": {"name", "host"}, "duplicate_panel": {"name"}}
    supplied |= {"no_default_code": {"area", "entity"}, "bypass_refused": {"zones"}, "restore_refused": {"zones"}}
    for key, value in STRINGS["exceptions"].items():
        used = set(re.findall(r"{(\w+)}", value["message"]))
        assert used <= supplied.get(key, set()), f"{key} uses {used}"


def test_linking_keeps_the_dialog_title() -> None:
    """The frontend shows a progress step's title without placeholders: it must read as the form's title."""
    steps = STRINGS["config"]["step"]
    for form, progress in (("link", "provision"), ("reauth_confirm", "reauth_provision")):
        assert steps[progress]["title"] == steps[form]["title"]
        assert "{" not in steps[form]["title"]
    assert "{" not in steps["user"]["title"]
    assert "{seconds}" in STRINGS["config"]["progress"]["linking"]
