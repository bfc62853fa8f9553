"""Load reference data: counties, municipalities, the Convention's articles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The data lives in seed_data/reference/*.yaml; `kb load-reference` reloads it after edits.
"""
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFERENCE = Path(__file__).resolve().parents[2] / "seed_data" / "reference"

counties = sa.table("counties", sa.column("code", sa.String), sa.column("name", sa.String),
                    sa.column("slug", sa.String))
municipalities = sa.table("municipalities", sa.column("code", sa.String),
                          sa.column("name", sa.String), sa.column("county_code", sa.String))
articles = sa.table("articles", sa.column("number", sa.Integer), sa.column("title", sa.String))


def _read(name):
    with open(REFERENCE / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def upgrade():
    from kb.slugs import slugify

    county_rows = _read("counties.yaml")
    code_by_name = {c["name"]: c["code"] for c in county_rows}
    op.bulk_insert(counties, [{"code": c["code"], "name": c["name"], "slug": slugify(c["name"])}
                              for c in county_rows])
    op.bulk_insert(municipalities, [
        {"code": m["code"], "name": m["name"], "county_code": code_by_name[m["county"]]}
        for m in _read("municipalities.yaml")
    ])
    op.bulk_insert(articles, _read("articles.yaml"))


def downgrade():
    op.execute(articles.delete())
    op.execute(municipalities.delete())
    op.execute(counties.delete())
