"""Row writers of every contract table, registered by department module."""

from sources.generator.writers import civil_affairs, public_security, social_security
from sources.generator.writers.registry import (
    CITY_WRITERS,
    COMMUNITY_WRITERS,
    Extract,
    Row,
)

__all__ = [
    "CITY_WRITERS",
    "COMMUNITY_WRITERS",
    "Extract",
    "Row",
    "civil_affairs",
    "public_security",
    "social_security",
]
