"""Repositories: every query of the bot, one small class per aggregate, taking the unit of work's session.

Statements are built once, at import, with `bindparam` for what changes between calls, and executed
through the session: SQLAlchemy's compiled cache then compiles each once per engine, and on PostgreSQL
asyncpg's statement cache (which SQLAlchemy's dialect drives) keeps each prepared on its connection.
"""
