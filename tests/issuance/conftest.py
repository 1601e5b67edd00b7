"""Fixtures for the issuance tests: `tools` skips (or, in CI, fails) without poppler and zbar."""

from tests.issuance.pdftools import tools  # noqa: F401
from tests.staff_factories import cheap_hashing  # noqa: F401
