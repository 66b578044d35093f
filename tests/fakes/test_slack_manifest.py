"""The small manifest reader the fakes and fidelity tests use: it reads the subset the manifest uses and refuses
anything else by line, instead of half reading it."""

from __future__ import annotations

import pytest

from tests.fakes.slack_manifest import bot_scopes, parse


def test_reads_nested_mappings_lists_comments_and_folded_text():
    manifest = parse(
        "a:\n"
        "  text: >-\n"
        "    two\n"
        "    lines\n"
        '  color: "#fff"  # a comment\n'
        "  on: true\n"
        "  items:\n"
        "    - command: /x\n"
        "      url: https://h/p\n"
        "oauth_config:\n"
        "  scopes:\n"
        "    bot:\n"
        "      - chat:write   # why\n"
        "      - users:read\n"
    )
    assert manifest["a"] == {
        "text": "two lines",
        "color": "#fff",
        "on": True,
        "items": [{"command": "/x", "url": "https://h/p"}],
    }
    assert bot_scopes(manifest) == {"chat:write", "users:read"}


def test_a_line_it_cannot_read_is_named():
    with pytest.raises(ValueError, match="line 2"):
        parse("a:\n  [not, yaml, it, reads]\n")
