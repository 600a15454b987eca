"""The gettext catalogues against the code: every message translated, nothing missing or
left over, the .mo compiled from the .po; scripts/i18n.py and the build that keep them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from io import BytesIO
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tradeguard.country.service import SOURCES, table
from tradeguard.domain.credit.altman import Zone
from tradeguard.domain.credit.scorecard import FACTORS
from tradeguard.domain.limits.workflow import LimitRequestStatus
from tradeguard.kit import i18n
from tradeguard.locale import translate

ROOT = Path(__file__).resolve().parents[2]
LOCALE = Path("src/tradeguard/locale")
PO = LOCALE / "zh/LC_MESSAGES/messages.po"
NEW = "A message nobody has translated yet"


def extracted(root: Path) -> dict[str, set[str]]:
    """msgid -> the files using it, as `pybabel extract -F babel.cfg` finds them."""
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found: dict[str, set[str]] = defaultdict(set)
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        assert isinstance(message, str), f"{filename}: plural messages are not used"
        found[message].add(filename)
    return found


def chinese(root: Path = ROOT) -> dict[str, str]:
    with (root / PO).open("rb") as po:
        return {m.id: m.string for m in read_po(po, locale="zh") if m.id and not m.fuzzy}


def test_every_message_of_the_code_and_templates_has_a_chinese_translation() -> None:
    used = extracted(ROOT)
    assert any(f.endswith(".html") for files in used.values() for f in files)  # templates too
    assert {
        "Overview",
        "Market risk report",
        "Wrong e-mail or password.",
        *SOURCES.values(),
    } <= set(used)
    catalogue = chinese()
    untranslated = {
        message: sorted(files) for message, files in used.items() if not catalogue.get(message)
    }
    assert not untranslated, f"no Chinese in {PO} (python scripts/i18n.py update, then translate)"
    unused = set(catalogue) - set(used)
    assert not unused, f"{PO} has messages the code no longer uses (python scripts/i18n.py update)"


def test_the_compiled_catalogue_is_the_po() -> None:
    with (ROOT / PO.with_suffix(".mo")).open("rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == chinese(), "stale messages.mo: python scripts/i18n.py compile"


def test_the_template_is_what_pybabel_extract_makes(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    done = subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    def messages(path: Path) -> set[str]:
        with path.open("rb") as file:
            return {m.id for m in read_po(file) if m.id}

    assert messages(pot) == messages(ROOT / LOCALE / "messages.pot") == set(extracted(ROOT))


def test_messages_that_reach_t_as_data_are_translated() -> None:
    # the values the templates pass to t(): factor labels, Altman zones, reason directions,
    # limit request statuses, shipment stop kinds (domain/limits/workflow.py), the ageing bucket
    # "current", the login error (web/pages.py)
    values = {f.label for f in FACTORS} | {str(zone) for zone in Zone}
    values |= {"raises", "lowers", "permanent", "temporary", "current"}
    values |= {str(status) for status in LimitRequestStatus}
    values.add("Wrong e-mail or password.")
    assert values <= set(i18n.RUNTIME_MESSAGES)
    # and those the country report passes to _tr: levels and income groups of the table
    for risk in table().values():
        detail = (risk.transfer_risk, risk.expropriation_risk, risk.war_risk)
        values |= {v for v in (risk.political_risk, *detail, risk.income_group) if v}
    values |= set(SOURCES.values())
    untranslated = sorted(value for value in values if translate("zh", value) == value)
    assert not untranslated


def _copy_project(destination: Path, *names: str) -> Path:
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def test_the_script_finds_a_new_message_and_carries_its_translation_into_the_build(
    tmp_path: Path,
) -> None:
    project = _copy_project(
        tmp_path, "babel.cfg", "pyproject.toml", "scripts/i18n.py", "src/tradeguard"
    )

    def i18n_script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "scripts/i18n.py", *args],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip

    assert i18n_script("check").returncode == 0
    (project / "src/tradeguard/ledger/templates").mkdir(exist_ok=True)
    (project / "src/tradeguard/ledger/templates/new.html").write_text(
        f'<p>{{{{ t("{NEW}") }}}}</p>'
    )
    found = i18n_script("check")
    assert found.returncode == 1
    assert f"{PO}: {NEW!r} is used in the code but missing" in found.stdout
    assert i18n_script("update").returncode == 0
    assert chinese(project)[NEW] == ""  # added, untranslated
    found = i18n_script("check")
    assert found.returncode == 1
    assert f"{PO}: {NEW!r} has no translation" in found.stdout
    # another branch's dictionary, as the integrator merges it
    branch = tmp_path / "branch_i18n.py"
    branch.write_text(
        f'ZH: dict[str, str] = {{\n    "Buyers": "买方",\n    # ---- x ----\n    "{NEW}": "一条尚未翻译的消息",\n}}\n'
    )
    imported = i18n_script("import-dict", str(branch))
    assert imported.returncode == 0, imported.stderr
    assert f"{NEW!r}: '' -> '一条尚未翻译的消息'" in imported.stdout
    assert "Buyers" not in imported.stdout  # unchanged entries are not reported
    assert chinese(project)[NEW] == "一条尚未翻译的消息"
    found = i18n_script("check")
    assert found.returncode == 1
    assert "messages.mo is stale (run scripts/i18n.py compile)" in found.stdout
    assert i18n_script("compile").returncode == 0
    assert i18n_script("check").returncode == 0
    with (project / PO.with_suffix(".mo")).open("rb") as mo:
        assert {m.id: m.string for m in read_mo(mo)}[NEW] == "一条尚未翻译的消息"


def test_the_wheel_carries_the_catalogue_compiled_by_the_build(tmp_path: Path) -> None:
    project = _copy_project(
        tmp_path / "project", "pyproject.toml", "setup.py", "README.md", "src/tradeguard"
    )
    (project / PO.with_suffix(".mo")).unlink()  # a fresh checkout: no .mo
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(project)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("tradeguard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {
            "tradeguard/locale/zh/LC_MESSAGES/messages.po",
            "tradeguard/locale/messages.pot",
        } <= names
        compiled = read_mo(BytesIO(archive.read("tradeguard/locale/zh/LC_MESSAGES/messages.mo")))
    assert {m.id: m.string for m in compiled if m.id} == chinese()
