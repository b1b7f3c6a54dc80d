"""The README and docs stay true: every setting is documented, and every link leads to a file in the repository
(a clone has nothing beside it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avatar_creator.settings import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCED = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def test_every_setting_is_in_the_readme_configuration_table():
    missing = [f"AVATAR_{name.upper()}" for name in Settings.model_fields if f"`AVATAR_{name.upper()}`" not in README]
    assert missing == []


def relative_links(document: Path) -> list[str]:
    text = FENCED.sub("", document.read_text())
    return [target for target in LINK.findall(text)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_to_a_file_in_the_repository(document):
    broken = []
    for target in relative_links(document):
        path = (document.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT.resolve()) or not path.exists():
            broken.append(target)
    assert broken == []


def test_the_link_check_sees_links():
    assert "docs/api.md" in relative_links(ROOT / "README.md")
    assert "../shared/API.md" in LINK.findall("see [the contract](../shared/API.md) and ![x](a.png)")
