"""Loads counties, municipalities and the Convention's articles from ``seed_data/reference``."""
from __future__ import annotations

from pathlib import Path

import yaml

from kb.extensions import db
from kb.models import Article, County, Municipality
from kb.slugs import slugify

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "seed_data" / "reference"


def _read(name: str, directory: Path) -> list[dict]:
    with open(directory / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def load_reference_data(directory: Path = REFERENCE_DIR) -> int:
    """Insert or update the reference tables; returns the number of rows written."""
    written = 0
    for row in _read("counties.yaml", directory):
        county = db.session.get(County, row["code"]) or County(code=row["code"])
        county.name, county.slug = row["name"], slugify(row["name"])
        db.session.add(county)
        written += 1
    db.session.flush()
    for row in _read("municipalities.yaml", directory):
        county = db.session.execute(
            db.select(County).filter_by(name=row["county"])
        ).scalar_one()
        municipality = db.session.get(Municipality, row["code"]) or Municipality(code=row["code"])
        municipality.name, municipality.county_code = row["name"], county.code
        db.session.add(municipality)
        written += 1
    for row in _read("articles.yaml", directory):
        article = db.session.get(Article, row["number"]) or Article(number=row["number"])
        article.title = row["title"]
        db.session.add(article)
        written += 1
    db.session.flush()
    return written


def reference_loaded() -> bool:
    return db.session.execute(db.select(County.code).limit(1)).first() is not None
