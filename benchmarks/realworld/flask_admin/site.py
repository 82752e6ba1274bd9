"""The Flask-Admin site of the corpus: Flask-Admin's own model views over two tables (the
configuration a user of Flask-Admin writes; every page is Flask-Admin's).

    python site.py DATABASE PORT
"""

from __future__ import annotations

import sys

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The tables' base."""


db = SQLAlchemy(model_class=Base)


class Author(db.Model):  # type: ignore[name-defined,misc]
    """A writer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    country: Mapped[str | None]

    def __str__(self) -> str:
        return self.name


class Book(db.Model):  # type: ignore[name-defined,misc]
    """A book on the shelves."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    year: Mapped[int | None]
    in_stock: Mapped[bool] = mapped_column(default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author | None] = relationship()


class BookView(ModelView):
    """Books: searchable by title, filterable by year and stock."""

    column_searchable_list = ("title",)
    column_filters = ("year", "in_stock")
    can_view_details = True


def create_app(database: str) -> Flask:
    """The site on one SQLite file."""
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", SECRET_KEY="corpus")
    db.init_app(app)
    admin = Admin(app, name="Library")
    admin.add_view(ModelView(Author, db.session))
    admin.add_view(BookView(Book, db.session))
    return app


if __name__ == "__main__":
    create_app(sys.argv[1]).run(host="127.0.0.1", port=int(sys.argv[2]))
