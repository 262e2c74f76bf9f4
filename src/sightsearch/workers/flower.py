"""How ``sightsearch flower`` starts Flower: with basic auth from settings, or not at all.

The credentials go to Flower through its environment (``FLOWER_BASIC_AUTH``), never on the command line where
``ps`` would show them to every user of the machine.
"""

from __future__ import annotations

import sys

from sightsearch.config import Settings, flower_credential_problem
from sightsearch.errors import ConfigurationError
from sightsearch.netaddr import is_loopback_host


def flower_invocation(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """The command and extra environment that start Flower for ``settings``; refuses an unprotected Flower.

    Without ``flower_user`` and ``flower_password`` Flower starts only on a loopback address and only when
    ``flower_allow_no_auth`` says so explicitly.
    """
    if not settings.broker_url:
        raise ConfigurationError("Flower needs SIGHTSEARCH_BROKER_URL (the workers' Redis)")
    command = [sys.executable, "-m", "celery", "-A", "sightsearch.workers.app", "flower",
               f"--address={settings.flower_address}", f"--port={settings.flower_port}"]
    if settings.flower_user and settings.flower_password:
        problem = flower_credential_problem(settings.flower_user, settings.flower_password)
        if problem:
            raise ConfigurationError(problem)
        return command, {"FLOWER_BASIC_AUTH": f"{settings.flower_user}:{settings.flower_password}"}
    if not is_loopback_host(settings.flower_address):
        raise ConfigurationError(f"Flower on {settings.flower_address} needs SIGHTSEARCH_FLOWER_USER and "
                                 "SIGHTSEARCH_FLOWER_PASSWORD: it shows task arguments and can stop workers")
    if not settings.flower_allow_no_auth:
        raise ConfigurationError("set SIGHTSEARCH_FLOWER_USER and SIGHTSEARCH_FLOWER_PASSWORD, or, on loopback only, "
                                 "SIGHTSEARCH_FLOWER_ALLOW_NO_AUTH=true")
    return command, {}
