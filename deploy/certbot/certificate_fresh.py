"""Exit 0 when the certificate NGINX serves for $DOMAIN stays valid for at least --days more days, else 1.

Runs inside the certbot container (its Python has ``cryptography``), as that container's healthcheck.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509


def days_left(path: Path) -> float:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return (certificate.not_valid_after_utc - datetime.now(UTC)) / timedelta(days=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--live", type=Path, default=Path("/etc/letsencrypt/live"))
    args = parser.parse_args()
    path = args.live / os.environ["DOMAIN"] / "fullchain.pem"
    try:
        left = days_left(path)
    except (OSError, ValueError) as err:
        print(f"{path}: {err}", file=sys.stderr)
        return 1
    print(f"{path}: {left:.1f} days left")
    return 0 if left >= args.days else 1


if __name__ == "__main__":
    sys.exit(main())
