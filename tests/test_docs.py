"""The README stays true to the code: every setting and every command is documented."""

from __future__ import annotations

from gis.config import SETTINGS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for key in SETTINGS:
        assert f"| `{key}` |" in README, key


def test_every_cli_command_is_documented(app) -> None:
    for group_name in ("db", "clusters", "boundaries"):
        group = app.cli.get_command(None, group_name)
        for command in group.commands:
            assert f"| `{group_name} {command}" in README, (group_name, command)
