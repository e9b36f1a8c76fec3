"""PDF digital signatures (PAdES) for the agency's documents, and checking them (pyHanko).

The agency signs with its key and certificate (`SIGNING_KEY_FILE`, `SIGNING_CERT_FILE`,
PEM; `SIGNING_KEY_PASSPHRASE` if the key is encrypted), issued by the certification
authority in `SIGNING_CA_FILE`, which is also what a signature is checked against. By
default all three live in `SIGNING_DIR` (`instance/signing/`), where `init_demo_ca()`
(`flask certificates init-ca`, or `flask demo load` when they are missing) creates a local
demo CA and an agency certificate it issued, with `cryptography`. Keys are written readable
by the owner only and never leave that folder.

`sign_pdf(pdf)` returns the PDF with a PAdES baseline signature (an incremental update, so
any change to the signed bytes shows in every PDF reader as a broken signature);
`check_pdf(pdf)` validates the signatures of a PDF with pyHanko's validator, trusting only
the configured CA.
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app

SIGNATURE_FIELD = "AgencySignature"
DEMO_CA_NAME = "OneWindow Demo Root CA (一网通办演示根证书)"
DEMO_AGENCY_NAME = "一网通办政务服务中心"
_DEFAULT_NAMES = {
    "SIGNING_KEY_FILE": "agency-key.pem",
    "SIGNING_CERT_FILE": "agency-cert.pem",
    "SIGNING_CA_FILE": "ca-cert.pem",
}
_CA_KEY_NAME = "ca-key.pem"  # the demo CA's own key: only init_demo_ca uses it

_signer_lock = threading.Lock()
_signer_cache: dict = {}
_KeyKeptSigner = None  # the signer class made by _key_kept_signer_class, once


class SigningNotConfigured(RuntimeError):
    """The signing key, its certificate or the CA certificate is missing or unusable."""


@dataclass(frozen=True)
class SigningFiles:
    """Where the agency's key, its certificate and the CA certificate are."""

    key: Path
    cert: Path
    ca: Path

    @property
    def ca_key(self) -> Path:
        """The demo CA's key (next to its certificate)."""
        return self.ca.parent / _CA_KEY_NAME

    def missing(self) -> list[Path]:
        """The files that do not exist."""
        return [p for p in (self.key, self.cert, self.ca) if not p.is_file()]


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko's validator says about a PDF's signature."""

    signed: bool  # the PDF carries a signature at all
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # signed by a certificate issued by the configured CA, valid then
    whole_file: bool = False  # nothing was added after the signature
    signer: str | None = None  # the signing certificate's subject
    signed_at: datetime | None = None
    problem: str | None = None  # why the file could not be read or checked

    @property
    def ok(self) -> bool:
        """Intact, trusted and covering the whole file."""
        return self.signed and self.intact and self.trusted and self.whole_file


def _outside_event_loop(func):
    """Call `func` (a pyHanko synchronous call, which runs `asyncio.run`): directly, or in a
    short-lived thread when this thread already runs an event loop (asyncio.run refuses)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func).result()


def signing_files() -> SigningFiles:
    """The configured files (defaults: instance/signing/…)."""
    cfg = current_app.config
    default_dir = Path(cfg.get("SIGNING_DIR") or Path(current_app.instance_path) / "signing")
    paths = {key: Path(cfg.get(key) or default_dir / name) for key, name in _DEFAULT_NAMES.items()}
    return SigningFiles(
        key=paths["SIGNING_KEY_FILE"], cert=paths["SIGNING_CERT_FILE"], ca=paths["SIGNING_CA_FILE"]
    )


def agency_configured() -> bool:
    """Whether the agency named its own key, certificate or CA (SIGNING_*_FILE)."""
    return any(current_app.config.get(key) for key in _DEFAULT_NAMES)


def _passphrase() -> bytes | None:
    value = current_app.config.get("SIGNING_KEY_PASSPHRASE")
    return value.encode() if value else None


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def init_demo_ca(agency_name: str = DEMO_AGENCY_NAME, *, force: bool = False) -> SigningFiles:
    """Create a local demo CA and an agency signing certificate issued by it, unless the
    configured files exist already (`force` replaces them). For demos and tests: an agency
    configures its own key and certificate instead (README)."""
    files = signing_files()
    if not force and not files.missing():
        return files
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(DEMO_CA_NAME, "OneWindow demo")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    agency_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    agency_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(agency_name, agency_name))
        .issuer_name(ca_name)
        .public_key(agency_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(agency_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    passphrase = _passphrase()
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = serialization.Encoding.PEM
    pkcs8 = serialization.PrivateFormat.PKCS8
    _write_private(files.ca_key, ca_key.private_bytes(pem, pkcs8, serialization.NoEncryption()))
    _write_private(files.key, agency_key.private_bytes(pem, pkcs8, encryption))
    files.cert.parent.mkdir(parents=True, exist_ok=True)
    files.cert.write_bytes(agency_cert.public_bytes(pem))
    files.ca.parent.mkdir(parents=True, exist_ok=True)
    files.ca.write_bytes(ca_cert.public_bytes(pem))
    with _signer_lock:
        _signer_cache.clear()
    return files


def _stamp(files: SigningFiles) -> tuple:
    """What the loaded signer depends on: the files as they are now, and the passphrase."""
    on_disk = tuple((str(p), p.stat().st_mtime_ns) for p in (files.key, files.cert, files.ca))
    return on_disk, _passphrase()


def _signer():
    """The agency's signer, loaded once per process and again when a file or the passphrase
    changes."""
    from pyhanko.sign import signers

    files = signing_files()
    missing = files.missing()
    if missing:
        raise SigningNotConfigured(
            "signing files missing: "
            + ", ".join(str(p) for p in missing)
            + " (run `flask --app app certificates init-ca` for a demo CA, or set "
            "SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_CA_FILE)"
        )
    stamp = _stamp(files)
    with _signer_lock:
        cached = _signer_cache.get("signer")
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            signer = signers.SimpleSigner.load(
                str(files.key),
                str(files.cert),
                ca_chain_files=(str(files.ca),),
                key_passphrase=_passphrase(),
            )
        except Exception as exc:  # noqa: BLE001 — pyHanko raises several kinds; say which file
            raise SigningNotConfigured(f"cannot load the signing key {files.key}: {exc}") from exc
        if signer is None:  # pyHanko logs the reason and returns None
            raise SigningNotConfigured(
                f"cannot load the signing key {files.key} with its certificate {files.cert} "
                "(wrong SIGNING_KEY_PASSPHRASE, or the key does not match the certificate?)"
            )
        signer.__class__ = _key_kept_signer_class()  # same state, the parsed key kept
        _signer_cache["signer"] = (stamp, signer)
        return signer


def _key_kept_signer_class():
    """pyHanko's SimpleSigner, keeping its private key parsed: the original parses the key
    again for every signature, and parsing an RSA key (with its consistency checks) took
    most of a certificate's signing time (~80 ms). Other mechanisms than PKCS#1 v1.5 go
    through pyHanko's own code."""
    global _KeyKeptSigner
    if _KeyKeptSigner is not None:
        return _KeyKeptSigner
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeyKeptSigner(signers.SimpleSigner):
        _parsed_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            if algorithm != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            if self._parsed_key is None:
                self._parsed_key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            return self._parsed_key.sign(
                data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
            )

    _KeyKeptSigner = KeyKeptSigner
    return _KeyKeptSigner


def sign_pdf(pdf: bytes, *, reason: str, location: str | None = None) -> bytes:
    """`pdf` with the agency's PAdES signature added as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signer = _signer()
    # Room for the signature container (in hex digits), reserved up front: without it pyHanko
    # signs twice (a dry run to measure), and each signature reloads an RSA key (tens of ms).
    certificates = len(signer.signing_cert.dump()) + sum(
        len(cert.dump()) for cert in signer.cert_registry
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = _outside_event_loop(
        lambda: signers.sign_pdf(
            writer, meta, signer=signer, bytes_reserved=2 * (4096 + certificates)
        )
    )
    return out.getvalue()


def _validation_context():
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    files = signing_files()
    if not files.ca.is_file():
        raise SigningNotConfigured(f"no CA certificate at {files.ca} (SIGNING_CA_FILE)")
    return ValidationContext(trust_roots=[load_cert_from_pemder(str(files.ca))])


def check_pdf(pdf: bytes) -> SignatureCheck:
    """Validate the PDF's last signature against the configured CA (no network access)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        return SignatureCheck(signed=False, problem=f"not a readable PDF: {exc}")
    if not signatures:
        return SignatureCheck(signed=False, problem="the PDF carries no signature")
    embedded = signatures[-1]
    context = _validation_context()
    try:
        status = _outside_event_loop(lambda: validate_pdf_signature(embedded, context))
    except (PdfReadError, ValueError, KeyError) as exc:  # SignatureValidationError too
        return SignatureCheck(signed=True, problem=f"the signature cannot be checked: {exc}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact),
        trusted=bool(status.intact and status.valid and status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=signer,
        signed_at=status.signer_reported_dt,
    )
