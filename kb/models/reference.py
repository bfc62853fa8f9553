"""Reference data: Sweden's counties and municipalities, and the Convention's articles."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import Model


class County(Model):
    """A län, e.g. "Västra Götalands län"."""

    __tablename__ = "counties"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="county", order_by="Municipality.name"
    )


class Municipality(Model):
    """A kommun, named without the word "kommun" ("Åmål")."""

    __tablename__ = "municipalities"
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))

    county: Mapped[County] = relationship(back_populates="municipalities")


class Article(Model):
    """An article of the UN Convention on the Rights of the Child (1–54)."""

    __tablename__ = "articles"
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(120))

    @property
    def label(self) -> str:
        return f"Artikel {self.number} – {self.title}"
