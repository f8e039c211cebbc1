"""Repositories: the queries of each aggregate, as small classes taking an AsyncSession."""
