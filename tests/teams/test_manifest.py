"""`python -m bot teams-manifest`: a package Teams accepts, and clear errors for bad options."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile

import pytest

from bot.__main__ import main
from bot.teams.manifest import ManifestError, build_manifest

APP_ID = "8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_package_has_manifest_and_icons_of_the_sizes_teams_requires(tmp_path, capsys):
    out = tmp_path / "app.zip"
    assert (
        main(["teams-manifest", "--app-id", APP_ID, "--host", "https://Scenario.Example.com/bot", "--out", str(out)])
        == 0
    )
    assert str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert _png_size(package.read("color.png")) == (192, 192)
        assert _png_size(package.read("outline.png")) == (32, 32)
    assert float(manifest["manifestVersion"]) >= 1.16 and manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    commands = bot["commandLists"][0]["commands"]
    assert 0 < len(commands) <= 10 and all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert manifest["validDomains"] == ["scenario.example.com"]
    rsc = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {"name": "ChannelMessage.Read.Group", "type": "Application"} in rsc
    assert manifest["webApplicationInfo"]["id"] == APP_ID  # RSC needs it


@pytest.mark.parametrize(
    ("app_id", "host", "option"),
    [("my-bot", "scenario.example.com", "--app-id"), (APP_ID, "not a host", "--host"), (APP_ID, "", "--host")],
)
def test_bad_options_name_the_option_and_give_an_example(app_id, host, option, tmp_path, capsys):
    out = tmp_path / "app.zip"
    assert main(["teams-manifest", "--app-id", app_id, "--host", host, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(option) and "like" in error and "Traceback" not in error
    assert not out.exists()
    with pytest.raises(ManifestError):
        build_manifest(app_id, host)


def test_an_unwritable_output_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "missing-dir" / "app.zip"
    assert main(["teams-manifest", "--app-id", APP_ID, "--host", "scenario.example.com", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("--out: cannot write")


def test_the_command_runs_as_a_module(tmp_path):
    out = tmp_path / "app.zip"
    args = [
        sys.executable,
        "-m",
        "bot",
        "teams-manifest",
        "--app-id",
        APP_ID,
        "--host",
        "x.example.com",
        "--out",
        str(out),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(out)
