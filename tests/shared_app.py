"""One app per test process, put back before each test to the state ``create_app`` left it in.

Building an app costs ~30 ms of CPU, most of it Werkzeug compiling the URL builders of every
rule: more than most tests take. So the ``app`` fixture builds one per process and, before each
test, undoes what a test can change on it (as Indico's suite shares one app): the config, the
request hooks, the extensions' state (the rate limiter's counters, the data-stamp cache, the
mail outbox), Jinja's globals and filters, and the search index, rebuilt from the test's
fresh database as at start-up. A test cannot add URL rules or hooks through Flask's setup
methods (the app has answered a request, so Flask refuses): one that needs to is marked
``own_app`` and gets an app of its own. One that replaces an attribute of the app without
monkeypatch makes the next test's set-up fail, naming it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from kb import search
from kb.caching import StampCache
from kb.extensions import limiter

# What ``create_app`` puts in ``app.extensions``, and how each is put back. A new entry must be
# added here (tests/core/test_shared_app.py fails until it is): state left in it would leak
# from one test into the next.
EXTENSIONS = {
    "sqlalchemy": "engines per app, disposed after each test",
    "migrate": "settings only",
    "csrf": "settings only",
    "limiter": "re-bound to the app: fresh counters, the app's config",
    search.EXTENSION: "a new store on the test's own index folder, built from the database",
    "kb_stamp_cache": "a new one (a test may have changed its ttl)",
    "kb_build_token": "a string",
    "kb_preview_fonts": "a path",
    "kb_migrations_head": "a string",
}
# Flask's registries of functions that a test may add to (e.g. a before_request hook).
HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs",
         "teardown_appcontext_funcs", "url_value_preprocessors", "url_default_functions",
         "template_context_processors", "shell_context_processors", "view_functions",
         "error_handler_spec")


@dataclass(frozen=True)
class Pristine:
    """What the app looked like when built."""

    config: dict[str, Any]
    hooks: dict[str, Any]
    extensions: dict[str, Any]
    jinja: dict[str, dict[str, Any]]
    attributes: dict[str, Any]  # the app's own attributes, by identity


def _copy_registry(value: Any) -> Any:
    """A copy of a registry's containers that keeps the functions themselves."""
    if isinstance(value, dict):
        copied = copy.copy(value)  # keeps the type, and a defaultdict's factory
        for key, item in value.items():
            copied[key] = _copy_registry(item)
        return copied
    if isinstance(value, list):
        return list(value)
    return value


def _refill(target: dict | list, source: dict | list) -> None:
    """Make ``target`` hold what ``source`` holds, keeping ``target`` itself (compiled
    templates and Flask keep references to these)."""
    if isinstance(target, list):
        target[:] = source
    else:
        target.clear()
        target.update(source)


def capture(app: Flask) -> Pristine:
    env = app.jinja_env
    return Pristine(
        config=copy.deepcopy(dict(app.config)),
        hooks={name: _copy_registry(getattr(app, name)) for name in HOOKS},
        extensions=dict(app.extensions),
        jinja={"globals": dict(env.globals), "filters": dict(env.filters), "tests": dict(env.tests)},
        attributes=dict(vars(app)),
    )


def restore(app: Flask, pristine: Pristine, index_dir: Path) -> None:
    """Put ``app`` back as built, with its search index in ``index_dir`` (empty or absent),
    built from the database that the app's URL now holds."""
    replaced = sorted(name for name, value in vars(app).items()
                      if name in pristine.attributes and pristine.attributes[name] is not value)
    assert not replaced, (f"a test replaced app.{', app.'.join(replaced)}: use monkeypatch, or "
                          "mark the test own_app (tests/shared_app.py cannot put that back)")
    _refill(app.config, copy.deepcopy(pristine.config))
    app.config["INDEX_DIR"] = str(index_dir)
    for name, registry in pristine.hooks.items():
        _refill(getattr(app, name), _copy_registry(registry))
    for name, entries in pristine.jinja.items():
        _refill(getattr(app.jinja_env, name), entries)
    _refill(app.extensions, pristine.extensions)
    app.extensions["kb_stamp_cache"] = StampCache(float(app.config["STAMP_TTL"]))
    # The one Limiter follows the last app initialised (a test may have built another); this
    # also gives it new, empty in-memory counters.
    limiter.init_app(app)
    search.init_app(app)
