"""The one TrueType font the PDFs embed (country reports, dunning letters).

ReportLab embeds and subsets only fonts with TrueType (glyf) outlines; it cannot embed
CFF outlines such as Noto Sans CJK's, and its built-in Helvetica is never embedded.
WenQuanYi Micro Hei has the Chinese characters, the Latin letters, "•" and "·", so one
font sets a PDF in either language and every reader shows the same glyphs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tradeguard.domain.errors import UnavailableError
from tradeguard.kit.settings import settings

CJK_FONT_ENV = "TRADEGUARD_CJK_FONT"

CJK_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian, Ubuntu: fonts-wqy-microhei
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora: wqy-microhei-fonts
)


class CjkFontNotFoundError(UnavailableError):
    """No font on this machine that a PDF can embed."""


def cjk_font_path() -> Path:
    """The PDFs' font: ``TRADEGUARD_CJK_FONT``, else the first known location."""
    configured = settings().cjk_font
    if configured is not None:
        if not configured.is_file():
            raise CjkFontNotFoundError(f"{CJK_FONT_ENV}={configured}: no such font file")
        return configured
    for candidate in CJK_FONT_PATHS:
        if candidate.is_file():
            return candidate
    raise CjkFontNotFoundError(
        "no Chinese font for the PDF: install fonts-wqy-microhei (Debian, Ubuntu) or "
        f"set {CJK_FONT_ENV} to a .ttf/.ttc font with TrueType outlines; looked in "
        + ", ".join(str(path) for path in CJK_FONT_PATHS)
    )


@cache
def registered_font(path: Path) -> str:
    """Registers the font with ReportLab once per file; its name for the styles."""
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]

    name = f"TradeGuardCJK-{path.stem}"
    try:
        font = TTFont(name, str(path), subfontIndex=0)  # the first face of a collection
    except TTFError as error:
        raise CjkFontNotFoundError(
            f"{path} cannot be embedded in a PDF ({error}): {CJK_FONT_ENV} needs a font "
            "with TrueType outlines, such as fonts-wqy-microhei's wqy-microhei.ttc"
        ) from error
    pdfmetrics.registerFont(font)
    return name
