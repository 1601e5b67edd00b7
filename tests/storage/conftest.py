"""Storage tests run on both SQLite and PostgreSQL: `settings`, `engine` and `client` use
`db_url`. A test pins one engine with `@pytest.mark.parametrize("db_url", [...], indirect=True)`.
"""

import pytest


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url
