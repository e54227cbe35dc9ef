"""Languages: Vietnamese by default, English by switch, ?lang= or the browser's choice."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from flask_babel import Babel, get_locale

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
COOKIE = "lang"
babel = Babel()


def select_locale() -> str:
    """The ?lang= parameter, then the remembered choice, then the browser's, then vi."""
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the current request ("vi" or "en")."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def init_app(app: Flask) -> None:
    """Wire Flask-Babel and remember an explicit ?lang= choice in a cookie."""
    translations = Path(__file__).resolve().parent.parent / "translations"
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(translations),
        default_locale=DEFAULT_LANGUAGE,
    )
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES

    @app.after_request
    def _remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        return response
