"""Server-side pages of a long list: which rows to fetch, and the links to the neighbouring pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

MAX_PAGE = 1_000_000  # beyond any real list; keeps OFFSET far from Postgres's bigint limit


def page_number(raw: str | None) -> int:
    """`?page=` as a number from 1; anything else reads as the first page rather than an error."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


@dataclass(frozen=True)
class Pagination:
    page: int
    per_page: int
    total: int
    path: str
    params: tuple[tuple[str, str], ...] = ()  # the other query parameters (filter, sort) the links keep

    @classmethod
    def of(cls, query: QueryParams, *, per_page: int, total: int, path: str) -> Pagination:
        """The requested page (`?page=`), moved onto the last page when it is past the end."""
        pages = max(1, math.ceil(total / per_page))
        kept = tuple((k, v) for k, v in query.multi_items() if k != "page")
        return cls(min(page_number(query.get("page")), pages), per_page, total, path, kept)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first_row(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        return min(self.offset + self.per_page, self.total)

    def url(self, page: int) -> str:
        return f"{self.path}?{urlencode([*self.params, ('page', str(page))])}"

    @property
    def previous_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None
