"""What one log-in's password check costs: CPU time and peak memory of verifying an Argon2id
hash with the product's parameters (OWASP: m=19 MiB, t=2, p=1) against argon2-cffi's
defaults (m=64 MiB, t=3, p=4), measured in the same run. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/login_cost.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.services.passwords import _DEFAULT as PRODUCT  # noqa: E402


def cpu_ms_per_verify(hasher: PasswordHasher, rounds: int) -> tuple[float, float]:
    """(median, max) CPU milliseconds of one verify with `hasher`."""
    stored = hasher.hash("Correct-horse-42")
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        hasher.verify(stored, "Correct-horse-42")
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples), max(samples)


PRODUCT_NAME = (
    f"product (m={PRODUCT.memory_cost // 1024} MiB, t={PRODUCT.time_cost}, p={PRODUCT.parallelism})"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    library_default = PasswordHasher()
    print(f"{'parameters':38s} {'CPU ms median':>14s} {'max':>8s}")
    for name, hasher in (
        (
            PRODUCT_NAME,
            PRODUCT,
        ),
        ("argon2-cffi default (m=64 MiB, t=3, p=4)", library_default),
    ):
        median, worst = cpu_ms_per_verify(hasher, rounds)
        print(f"{name:38s} {median:14.1f} {worst:8.1f}")
    product_ms = cpu_ms_per_verify(PRODUCT, rounds)[0]
    default_ms = cpu_ms_per_verify(library_default, rounds)[0]
    print(f"product / library default CPU: {product_ms / default_ms:.2f}x (target: <= 150 ms)")
    print(
        f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )


if __name__ == "__main__":
    main()
