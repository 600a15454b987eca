"""Plotly's JavaScript, served from the installed package (the pages never need a CDN)."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@router.get("/static/plotly.js")
def plotly_js() -> Response:
    return Response(
        _plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )
