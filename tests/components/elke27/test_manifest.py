"""The metadata files follow the rules hassfest and HACS apply, and every string is used."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import homeassistant.components
import yaml
from awesomeversion import AwesomeVersion

ROOT = Path(__file__).parents[3]
INTEGRATION = ROOT / "custom_components" / "elke27"
MANIFEST: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text())
HACS: dict[str, Any] = json.loads((ROOT / "hacs.json").read_text())
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text())
ICONS: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text())
SERVICES: dict[str, Any] = yaml.safe_load((INTEGRATION / "services.yaml").read_text())

# Keys Home Assistant's own helpers show for a flow (async_update_reload_and_abort,
# _abort_if_unique_id_configured, …): they need a string although no module of ours names them.
EMITTED_BY_HOME_ASSISTANT = {"already_configured", "already_in_progress", "reauth_successful", "reconfigure_successful"}


def _string_literals() -> set[str]:
    """Every string constant in the integration's own modules (not the backend)."""
    return {
        node.value
        for path in INTEGRATION.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_manifest_has_what_hassfest_and_hacs_require() -> None:
    for key in ("domain", "name", "codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert MANIFEST.get(key), f"manifest.json lacks {key}"
    assert MANIFEST["domain"] == INTEGRATION.name
    assert all(re.fullmatch(r"@[A-Za-z0-9-]+(/[A-Za-z0-9-]+)?", owner) for owner in MANIFEST["codeowners"])
    assert AwesomeVersion(MANIFEST["version"]).valid
    assert MANIFEST.get("quality_scale", "bronze") in {"bronze", "silver", "gold", "platinum"}
    assert MANIFEST["iot_class"] == "local_push"
    assert MANIFEST["integration_type"] == "hub"
    assert MANIFEST["requirements"] == []  # cryptography comes with Home Assistant
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), "hassfest wants domain, name, then the other keys sorted"


def test_project_home_is_stated_once_and_used_everywhere() -> None:
    """The README's installation section names the repository; the manifest points there."""
    readme = (ROOT / "README.md").read_text()
    installation = readme.split("## Installation", 1)[1].split("\n## ", 1)[0]
    homes = re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", installation)
    assert len(set(homes)) == 1, "the installation section names the repository once"
    assert MANIFEST["documentation"] == homes[0]
    assert MANIFEST["issue_tracker"] == f"{homes[0]}/issues"
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")


def test_hacs_json_states_the_oldest_release_the_min_lane_tests() -> None:
    assert set(HACS) <= {"name", "homeassistant", "render_readme", "content_in_root", "zip_release", "country"}
    assert HACS["name"] == MANIFEST["name"]
    pins = (ROOT / "requirements_test_min.txt").read_text()
    assert f"homeassistant {HACS['homeassistant']}" in pins, "hacs.json's minimum is the release the min lane runs"


def test_every_service_field_and_icon_is_translated() -> None:
    assert set(SERVICES) == set(STRINGS["services"]) == set(ICONS["services"])
    for name, service in SERVICES.items():
        text = STRINGS["services"][name]
        assert text["name"], name
        assert text["description"], name
        assert set(service["fields"]) == set(text["fields"]), name
        for field in text["fields"].values():
            assert field["name"], name
            assert field["description"], name


def test_every_icon_belongs_to_a_translated_entity() -> None:
    for platform, keys in ICONS["entity"].items():
        assert set(keys) <= set(STRINGS["entity"].get(platform, {})), platform


def test_no_unused_strings() -> None:
    """Every entity name, exception, error and abort reason in strings.json is used by the code."""
    used = _string_literals() | EMITTED_BY_HOME_ASSISTANT
    unused = [
        f"entity.{platform}.{key}" for platform, keys in STRINGS["entity"].items() for key in keys if key not in used
    ]
    unused += [f"exceptions.{key}" for key in STRINGS["exceptions"] if key not in used]
    for section in ("config", "options"):
        for kind in ("error", "abort"):
            unused += [f"{section}.{kind}.{key}" for key in STRINGS[section].get(kind, {}) if key not in used]
        unused += [f"{section}.step.{step}" for step in STRINGS[section]["step"] if step not in used | {"init"}]
    assert not unused, f"strings.json has strings no code uses: {unused}"


# Home Assistant's integration quality scale: the rules of each tier (developers.home-assistant.io).
TIERS: dict[str, set[str]] = {
    "bronze": {
        "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow-test-coverage",
        "config-flow", "dependency-transparency", "docs-actions", "docs-conditions", "docs-high-level-description",
        "docs-installation-instructions", "docs-removal-instructions", "docs-triggers", "entity-event-setup",
        "entity-unique-id", "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner", "log-when-unavailable",
        "parallel-updates", "reauthentication-flow", "test-coverage",
    },
    "gold": {
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update", "docs-examples",
        "docs-known-limitations", "docs-supported-devices", "docs-supported-functions", "docs-troubleshooting",
        "docs-use-cases", "dynamic-devices", "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations", "reconfiguration-flow",
        "repair-issues", "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}  # fmt: skip


def _rules() -> dict[str, Any]:
    rules: dict[str, Any] = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    return rules


def _status(value: str | dict[str, Any]) -> str:
    return value if isinstance(value, str) else value["status"]


def test_quality_scale_is_complete_and_the_manifest_claims_what_it_meets() -> None:
    """The manifest's tier is the highest whose rules, and every lower tier's, are all done or exempt.

    Below Bronze the manifest names no tier at all (hassfest treats the key as optional).
    """
    rules = _rules()
    known = set().union(*TIERS.values())
    assert set(rules) == known, "quality_scale.yaml lists every rule of the scale, and only those"
    # Every rule core integrations of the installed Home Assistant list is one of them.
    core = Path(homeassistant.components.__file__).parent
    installed = {
        rule for path in core.glob("*/quality_scale.yaml") for rule in yaml.safe_load(path.read_text())["rules"]
    }
    assert installed
    assert installed <= known
    met = ""
    for tier, tier_rules in TIERS.items():
        if any(_status(rules[rule]) not in {"done", "exempt"} for rule in tier_rules):
            break
        met = tier
    assert MANIFEST.get("quality_scale", "") == met
    for rule, value in rules.items():
        assert _status(value) in {"done", "exempt", "todo"}, rule
        if _status(value) in {"exempt", "todo"}:
            assert isinstance(value, dict), f"{rule} is {value} without a reason"
            assert value.get("comment"), f"{rule} is {value['status']} without a reason"


def test_readme_states_each_rule_as_the_quality_scale_does() -> None:
    """The README's quality-scale section lists every rule once, with the status quality_scale.yaml gives it."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Home Assistant's quality scale", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    listed = dict(re.findall(r"^\| `([a-z-]+)` \| (done|exempt|todo) \|", section, flags=re.MULTILINE))
    assert listed == {rule: _status(value) for rule, value in _rules().items()}
