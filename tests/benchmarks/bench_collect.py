"""Benchmark: collect 500 messages, each with one PDF of about 100 KB, from a Dovecot on loopback.

Target: ≥ 50 messages per second.

Run:  python tests/benchmarks/bench_collect.py [MESSAGES]

Starts a throwaway Dovecot (as the tests do, see ``tests/dovecot_support.py``),
APPENDs the messages, then prints, for ``collect_mailbox`` in this process:
the first run (every message fetched, parsed, its PDF hashed and written
atomically, its ledger line forced to disk), and a second run that finds
nothing new; each wall-clock time and messages per second.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.collect import collect_mailbox  # noqa: E402
from tests.dovecot_support import PASSWORD, PASSWORD_ENV, dovecot_binary, start_dovecot  # noqa: E402

PDF_BYTES = 100 * 1024
TARGET_PER_SECOND = 50.0
FOLDER = "回收 基准"


def message(number: int, rng: random.Random) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"申报人{number:04d} <user{number}@example.com>"
    msg["To"] = "hr@example.com"
    msg["Subject"] = f"交回自评表（{number}）"
    msg["Message-ID"] = f"<bench-{number}@example.com>"
    msg["Date"] = "Wed, 02 Jul 2025 12:00:00 +0800"
    msg.set_content("您好，附件是我的自评表。")
    pdf = b"%PDF-1.7\n" + rng.randbytes(PDF_BYTES) + b"\n%%EOF\n"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"自评表-{number}.pdf")
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    if not dovecot_binary():
        print("需要 Dovecot（apt-get install dovecot-imapd）")
        return 1
    os.environ[PASSWORD_ENV] = PASSWORD
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as temp:
        work = Path(temp)
        server = start_dovecot(work / "dovecot")
        try:
            rng = random.Random(7)
            start = time.perf_counter()
            server.append(FOLDER, [message(n, rng) for n in range(count)])
            print(f"APPEND {count} messages: {time.perf_counter() - start:.1f} s")
            out = work / "回收 输出"
            start = time.perf_counter()
            run = collect_mailbox(server.settings(FOLDER), out)
            elapsed = time.perf_counter() - start
            assert run.ok and len(run.saved) == count, run.problems
            rate = count / elapsed
            verdict = "OK" if rate >= TARGET_PER_SECOND else "BELOW TARGET"
            print(f"collect, first run: {count} messages in {elapsed:.2f} s = {rate:.0f} messages/s ({verdict})")
            start = time.perf_counter()
            again = collect_mailbox(server.settings(FOLDER), out)
            elapsed = time.perf_counter() - start
            assert not again.messages and again.already == count
            print(f"collect, second run (nothing new): {elapsed:.2f} s")
        finally:
            server.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
