"""The message catalogues of the web pages and reports (Babel gettext), kept from the code.

    python scripts/i18n.py extract           code and templates -> locale/messages.pot
    python scripts/i18n.py update            extract, then merge the .pot into each messages.po
    python scripts/i18n.py compile           each messages.po -> messages.mo (the build does too)
    python scripts/i18n.py check             exit 1 on a message without a translation, a .po
                                             out of step with the code, or a stale .mo
    python scripts/i18n.py import-dict FILE  merge English -> Chinese dict literals from FILE
                                             (e.g. another branch's ZH dict) into zh/messages.po

Extraction is `pybabel extract -F babel.cfg` through Babel's Python API, so the command
line and this script find the same messages. The .po files are sorted by msgid and carry
file names without line numbers, so that edits in parallel branches merge cleanly.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = Path("src/tradeguard/locale")
DOMAIN = "messages"
PROJECT = "TradeGuard"
DICT_NAMES = ("ZH", "_ZH")  # the dictionaries the catalogues replaced (web/i18n.py, reports)
HEADER = """\
# The messages of TradeGuard's web pages and reports, keyed by their English text.
# Kept with scripts/i18n.py from babel.cfg's extraction (CONTRIBUTING.md, "Translations")."""


def new_catalogue(root: Path, language: str | None = None) -> Catalog:
    """An empty catalogue (the template when ``language`` is None) with the project's header."""
    with (root / "pyproject.toml").open("rb") as project:
        version = tomllib.load(project)["project"]["version"]
    return Catalog(
        locale=language,
        domain=DOMAIN,
        header_comment=HEADER,
        project=PROJECT,
        version=version,
        copyright_holder="TradeGuard contributors",
        last_translator="TradeGuard contributors",
        language_team="TradeGuard contributors",
        fuzzy=False,
    )


def po_paths(root: Path) -> list[Path]:
    return sorted((root / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def extract(root: Path = ROOT) -> Catalog:
    """Every message of the code and templates under ``root``, by babel.cfg's mapping."""
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    template = new_catalogue(root)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=path.parents[1].name, domain=DOMAIN)


def _replace(path: Path, content: bytes) -> None:
    """Write ``content`` whole or not at all (a parallel test run may read the file)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    os.replace(partial, path)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False)
    _replace(path, buffer.getvalue())


def write_template(root: Path = ROOT) -> Catalog:
    template = extract(root)
    write_catalogue(template, root / LOCALE / f"{DOMAIN}.pot")
    return template


def update(root: Path = ROOT) -> None:
    """Extract, then add new messages to each .po (untranslated) and drop unused ones."""
    template = write_template(root)
    for path in po_paths(root):
        catalog = read_catalogue(path)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write_catalogue(catalog, path)
        untranslated = [m.id for m in catalog if m.id and not m.string]
        print(f"{path.relative_to(root)}: {len(untranslated)} untranslated")


def compile_catalogues(root: Path = ROOT) -> None:
    for path in po_paths(root):
        buffer = io.BytesIO()
        write_mo(buffer, read_catalogue(path), use_fuzzy=False)
        _replace(path.with_suffix(".mo"), buffer.getvalue())


def problems(root: Path = ROOT) -> list[str]:
    """What is wrong with the catalogues under ``root``; empty when all is well."""
    used = {message.id for message in extract(root) if message.id}
    found: list[str] = []
    for path in po_paths(root):
        name = path.relative_to(root)
        catalog = read_catalogue(path)
        known = {message.id: message for message in catalog if message.id}
        found += [
            f"{name}: {m!r} is used in the code but missing" for m in sorted(used - set(known))
        ]
        found += [
            f"{name}: {m!r} is no longer used in the code (run scripts/i18n.py update)"
            for m in sorted(known.keys() - used)
        ]
        for message_id, message in sorted(known.items()):
            if not message.string:
                found.append(f"{name}: {message_id!r} has no translation")
            elif message.fuzzy:
                found.append(f"{name}: {message_id!r} is marked fuzzy (review it, drop the flag)")
        compiled = path.with_suffix(".mo")
        if not compiled.is_file():
            found.append(f"{compiled.relative_to(root)} is missing (run scripts/i18n.py compile)")
            continue
        with compiled.open("rb") as mo:
            in_mo = {m.id: m.string for m in read_mo(mo) if m.id}
        in_po = {m_id: m.string for m_id, m in known.items() if m.string and not m.fuzzy}
        if in_mo != in_po:
            found.append(f"{compiled.relative_to(root)} is stale (run scripts/i18n.py compile)")
    return found


def dict_literals(source: str) -> Iterator[dict[str, str]]:
    """The English -> translation dictionaries in ``source``: a bare dict literal, or the
    ``ZH = {...}`` / ``_ZH = {...}`` assignments of a Python module."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Dict):
            yield ast.literal_eval(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in DICT_NAMES for t in targets):
                yield ast.literal_eval(node.value)


def import_dict(file: Path, root: Path = ROOT, language: str = "zh") -> None:
    """Merge the dictionaries of ``file`` into ``language``'s .po: new messages are added,
    differing translations replaced (each change is printed)."""
    path = root / LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    catalog = read_catalogue(path)
    used = {message.id for message in extract(root) if message.id}
    for entries in dict_literals(file.read_text(encoding="utf-8")):
        for english, translated in entries.items():
            current = catalog.get(english)
            if current is not None and current.string == translated:
                continue
            if current is None:
                before = "new"
                catalog.add(english, translated)
            else:
                before = repr(current.string)
                current.string = translated
                current.flags.discard("fuzzy")
            unused = "" if english in used else "  (not used in the code: update drops it)"
            print(f"{english!r}: {before} -> {translated!r}{unused}")
    write_catalogue(catalog, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("extract", "update", "compile", "check"):
        commands.add_parser(name)
    importing = commands.add_parser("import-dict")
    importing.add_argument("file", type=Path)
    importing.add_argument("--language", default="zh")
    arguments = parser.parse_args(argv)
    if arguments.command == "extract":
        write_template()
    elif arguments.command == "update":
        update()
    elif arguments.command == "compile":
        compile_catalogues()
    elif arguments.command == "import-dict":
        import_dict(arguments.file, language=arguments.language)
    else:
        found = problems()
        print("\n".join(found) or "catalogues complete and compiled")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
