"""Write a one-day self-signed certificate for a domain and its subdomains, laid out like Let's Encrypt's
(<live>/<domain>/fullchain.pem + privkey.pem), so NGINX can start before the first real certificate exists.

Runs inside the certbot container (its Python has ``cryptography``): deploy/scripts/first-certificate.sh.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def placeholder_certificate(domain: str, folder: Path) -> Path:
    """Write ``fullchain.pem`` and ``privkey.pem`` for ``domain`` and ``*.domain`` into ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName(f"*.{domain}")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return folder / "fullchain.pem"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("domain")
    parser.add_argument("--live", type=Path, default=Path("/etc/letsencrypt/live"))
    args = parser.parse_args()
    print(placeholder_certificate(args.domain, args.live / args.domain))


if __name__ == "__main__":
    main()
