"""Logging without client addresses or respondent paths (ANONYMITY.md L9, R10).

uvicorn's access log writes `client_addr - "GET /r/<token> HTTP/1.1" 200`; the filter below drops
the address and replaces every respondent path with its route name before anything is written.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_RESPONDENT = re.compile(r"^/(r|s)(/|$|\?)")


def redact_path(path: str) -> str:
    if _RESPONDENT.match(path):
        return f"/{path[1]}/[redacted]"
    return path.split("?", 1)[0]


class AnonymousAccessLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, path, version, status = args
            record.args = ("-", method, redact_path(str(path)), version, status)
        return True


def log_config(level: str = "INFO") -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"anonymous": {"()": AnonymousAccessLog}},
        "formatters": {
            "default": {"format": "%(levelname)s %(name)s: %(message)s"},
            "access": {"format": '%(levelname)s access: %(message)s'},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default",
                        "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access",
                       "filters": ["anonymous"], "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "lyssna": {"handlers": ["default"], "level": level, "propagate": False},
        },
    }
