"""What a unit of work's session offers the repositories, whichever backend is behind it.

On PostgreSQL it is SQLAlchemy's `AsyncSession` on asyncpg. On SQLite it is `models.sqlite_thread.ThreadSession`:
SQLAlchemy's synchronous `Session` on the standard sqlite3 driver, used in the database's own thread. Both have
these methods with these meanings (the subset of `AsyncSession`'s API the repositories use); the protocol lets
mypy check that every repository keeps to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar, TypeVarTuple, overload

from sqlalchemy import Connection, Engine, Executable, Result, Row
from sqlalchemy.sql.selectable import TypedReturnsRows

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
AnyRows: TypeAlias = tuple[Any, ...]
"""Rows of columns not typed one by one."""


class Streamed(Protocol):
    """The rows of a query read a part at a time (`Session.stream`), never all of them in memory at once."""

    def partitions(self, size: int | None = None) -> AsyncIterator[Sequence[Row[*AnyRows]]]:
        """The rows, `size` at a time."""
        ...


class Session(Protocol):
    """A unit of work's session (see the module's docstring)."""

    @property
    def info(self) -> dict[Any, Any]:
        """Free-form data of this session (the instance's identity, what it left for delivery)."""
        ...

    @overload
    async def execute(
        self, statement: TypedReturnsRows[*Ts], params: Params = None) -> Result[*Ts]:
        ...

    @overload
    async def execute(self, statement: Executable, params: Params = None) -> Result[*AnyRows]:
        ...

    async def execute(self, statement: Executable, params: Params = None) -> Result[*AnyRows]:
        """Run a statement; its rows are read from the result."""
        ...

    async def stream(self, statement: Executable, params: Params = None) -> Streamed:
        """Run a query whose rows are read a part at a time."""
        ...

    async def get(self, entity: type[T], ident: Any, *, with_for_update: bool | None = None) -> T | None:
        """The object with this primary key (locked for update when asked, on PostgreSQL), or None."""
        ...

    def add(self, instance: object) -> None:
        """Have the object inserted at the next flush."""
        ...

    def add_all(self, instances: Iterable[object]) -> None:
        """Have the objects inserted at the next flush."""
        ...

    @property
    def dirty(self) -> Any:
        """The loaded objects changed since they were read (and not yet flushed)."""
        ...

    async def flush(self) -> None:
        """Send pending changes, so that generated ids are known."""
        ...

    def expunge_all(self) -> None:
        """Forget every loaded object: they stay readable, detached, and are read again if asked for."""
        ...

    async def refresh(self, instance: Any) -> None:
        """Read the object's columns again from the database."""
        ...

    async def commit(self) -> None:
        """Make the transaction durable."""
        ...

    async def close(self) -> None:
        """End the session, rolling back what was not committed."""
        ...

    def get_bind(self) -> Engine | Connection:
        """The engine behind the session (its dialect names the backend)."""
        ...
