import pytest

from tests.staff_factories import cheap_hashing  # noqa: F401


@pytest.fixture
def client(client):
    """Staff pages default to Swedish; these tests read the English texts."""
    client.headers["accept-language"] = "en"
    return client
