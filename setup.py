"""The build step pyproject.toml cannot say: compile the message catalogues.

``build_py`` writes each ``locale/<language>/LC_MESSAGES/messages.po`` as the
``messages.mo`` that tradeguard.locale loads, into the build, so wheels carry them while
the repository does not (scripts/setup.sh compiles them in place for the editable install).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE_LOCALE = Path("src/tradeguard/locale")


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        for po_path in sorted(SOURCE_LOCALE.glob("*/LC_MESSAGES/*.po")):
            relative = po_path.relative_to(SOURCE_LOCALE).with_suffix(".mo")
            target = Path(self.build_lib, "tradeguard", "locale", relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po:
                catalog = read_po(po, locale=relative.parts[0])
            with target.open("wb") as mo:
                write_mo(mo, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogues})
