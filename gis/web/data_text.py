"""Data text in the reader's language: notes written in English, and sources as citations.

Some stored notes (where a point lies, how an area is known, remarks on the plan's text)
were written in English; ``data/text_vi.json`` gives each its Vietnamese text, shown on
Vietnamese pages. Sources were recorded as short notes to ourselves ("seed: …", the
Python package a commune code came from); a reader sees a citation in their language.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app
from flask_babel import gettext as _

from gis.web.i18n import current_language

SEED_PREFIX = "seed: "


@lru_cache(maxsize=4)
def _vietnamese(path: str) -> dict[str, str]:
    file = Path(path)
    if not file.is_file():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))["vi"]


def _texts() -> dict[str, str]:
    folder = current_app.config.get("GIS_DATA_DIR") or "data"
    return _vietnamese(str(Path(folder) / "text_vi.json"))


def localized(text: object) -> object:
    """The Vietnamese text of an English data note on a Vietnamese page; else ``text``."""
    if not isinstance(text, str) or current_language() != "vi":
        return text
    texts = _texts()
    return texts.get(text) or texts.get(text.strip()) or text


def _known_sources() -> dict[str, str]:
    # Built per call: the texts depend on the request's language.
    plan = _("Plan 5/KH-BCĐ of 5/4/2020")
    return {
        "Kế hoạch 5/KH-BCĐ ngày 5/4/2020": plan,
        "shared/seed/000_829ec96c5786f6ce.txt": _("%(plan)s (full text)", plan=plan),
        "government administrative map (dvhcvn dataset): district names and GSO codes": _(
            "Viet Nam's administrative units (General Statistics Office codes), "
            "as published in the open data set dvhcvn: district names and codes"
        ),
        "vietnamadminunits (PyPI) admin_units_legacy": _(
            "Administrative units before 1/7/2025, from the open library vietnamadminunits"
        ),
        "vietnamadminunits (PyPI) converter_2025": _(
            "Conversion to the administrative units of 1/7/2025, "
            "from the open library vietnamadminunits"
        ),
        "unattributed press excerpt (byline U.Nhi), no URL": _(
            "Press excerpt without a named outlet (byline U.Nhi), no web address"
        ),
    }


def citation(source: object) -> object:
    """A source as a reader cites it: a known note becomes its full title; URLs stay."""
    if not isinstance(source, str) or source.startswith(("http://", "https://")):
        return source
    text = source.removeprefix(SEED_PREFIX)
    known = _known_sources()
    if text in known:
        return known[text]
    if text != source:
        # "seed: <title>: <remark>": the title is the plan's; the remark may be a note.
        localized_full = localized(source)
        if localized_full != source:
            return localized_full
        head, sep, rest = text.partition(": ")
        if head in known:
            return f"{known[head]}{sep}{rest}"
    return localized(text)


def init_app(app: Flask) -> None:
    """Register the ``data_text`` and ``citation`` filters and the OGC pages' labels."""
    from gis.web.labels import ogc_labels

    app.add_template_filter(localized, "data_text")
    app.add_template_filter(citation, "citation")

    @app.context_processor
    def _labels() -> dict[str, object]:
        return {"ogc_labels": ogc_labels()}
