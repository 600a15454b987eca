"""The Chinese country market-risk PDF, read back with poppler: every font embedded and
subset, the Chinese text, the bullets and "·" extracted intact.

pdffonts/pdftotext (poppler-utils) and a CJK TrueType font (fonts-wqy-microhei) are
needed; where one is missing (a laptop) the tests skip with the reason, unless
TRADEGUARD_REQUIRE_BROWSER=1 (as in CI, which installs them), which fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tradeguard.domain.identity.access import Role
from tradeguard.identity import service as users
from tradeguard.identity.models import Organisation
from tradeguard.kit.db import unit_of_work
from tradeguard.kit.pdf_fonts import CjkFontNotFoundError, cjk_font_path
from tradeguard.web.app import create_app

REQUIRE = os.environ.get("TRADEGUARD_REQUIRE_BROWSER") == "1"
TITLE = "市场风险报告：中国 (CN)"


def _missing_tool() -> str | None:
    for tool in ("pdffonts", "pdftotext"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian: apt-get install poppler-utils)"
    try:
        cjk_font_path()
    except CjkFontNotFoundError as error:
        return str(error)
    return None


@pytest.fixture
def poppler() -> None:
    problem = _missing_tool()
    if problem:
        if REQUIRE:
            pytest.fail(problem)
        pytest.skip(problem)


def tradeguard(*args: str, db: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradeguard", "--db", db, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "1000", **env},  # messages unwrapped
        check=False,
    )


def fonts(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font, keyed by the header's columns."""
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = []
    for line in lines[2:]:  # header, dashes
        # name, type (one or two words), encoding, emb, sub, uni, object, generation
        words = line.split()
        rows.append({"name": words[0], "emb": words[-5], "sub": words[-4], "uni": words[-3]})
    return rows


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_embedded_chinese_report(pdf: Path) -> None:
    assert pdf.read_bytes().startswith(b"%PDF")
    found = fonts(pdf)
    assert found, "the PDF names no font"
    for font in found:
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), found
    text = text_of(pdf)
    assert TITLE in text
    assert "政治风险" in text
    assert "• 经合组织国家风险分类" in text  # a bullet, then the source, not a box
    assert "· TradeGuard" in text  # the middle dot, and Latin letters in the CJK font


@pytest.mark.usefixtures("poppler")
def test_cli_writes_the_chinese_pdf_with_an_embedded_subset_cjk_font(
    db_url: str, tmp_path: Path
) -> None:
    assert tradeguard("init", "--org", "Acme", db=db_url, cwd=tmp_path).returncode == 0
    pdf = tmp_path / "cn.pdf"
    done = tradeguard(
        "country", "report", "CN", "--format", "pdf", "--lang", "zh", "--out", str(pdf),
        db=db_url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_embedded_chinese_report(pdf)


@pytest.mark.usefixtures("poppler")
def test_api_answers_the_chinese_pdf_with_an_embedded_subset_cjk_font(
    engine: Engine, org: Organisation, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        user = users.add_user(session, org, "viewer@acme.test", Role.VIEWER, "pw-long-enough", "t")
        token = users.create_token(session, user, "test")
    client = TestClient(create_app(engine))
    response = client.get(
        "/api/v1/countries/CN/report?format=pdf&lang=zh",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "cn.pdf"
    pdf.write_bytes(response.content)
    assert_embedded_chinese_report(pdf)


def test_a_missing_font_is_named_with_the_setting_that_fixes_it(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tradeguard.db'}"
    assert tradeguard("init", "--org", "Acme", db=db, cwd=tmp_path).returncode == 0
    missing = tmp_path / "no-such-font.ttf"
    done = tradeguard(
        "country", "report", "CN", "--format", "pdf", "--lang", "zh", "--out", "cn.pdf",
        db=db, cwd=tmp_path, TRADEGUARD_CJK_FONT=str(missing),
    )  # fmt: skip
    assert done.returncode != 0
    assert f"TRADEGUARD_CJK_FONT={missing}: no such font file" in done.stderr
    assert not (tmp_path / "cn.pdf").exists()


NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not NOTO_CJK.is_file(), reason=f"{NOTO_CJK} not installed (fonts-noto-cjk)")
def test_a_font_with_cff_outlines_is_refused_with_the_reason(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'tradeguard.db'}"
    assert tradeguard("init", "--org", "Acme", db=db, cwd=tmp_path).returncode == 0
    done = tradeguard(
        "country", "report", "CN", "--format", "pdf", "--lang", "zh", "--out", "cn.pdf",
        db=db, cwd=tmp_path, TRADEGUARD_CJK_FONT=str(NOTO_CJK),
    )  # fmt: skip
    assert done.returncode != 0
    message = done.stderr
    assert f"{NOTO_CJK} cannot be embedded in a PDF" in message
    assert "TRADEGUARD_CJK_FONT needs a font with TrueType outlines" in message
