from tests.staff_factories import cheap_hashing  # noqa: F401
