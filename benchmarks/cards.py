"""Card print-run benchmark: cards per second, bytes per card and peak memory.

Each measurement runs in a fresh Python process so its peak RSS is its own.
The reference in the same run is the identical render with a fixed,
precomputed QR matrix (every cost except QR encoding), and the pure-Python
``qrcode`` encoder is timed beside zxing-cpp.  Medians of --repeat runs.
Cards are two-sided business cards with the embedded DejaVu font (subset per
file); one row sets the organisation and title in Welsh and Greek, and one
prints bilingual cards (Welsh first, then English: every paragraph twice) on
the postcard layout a ballot in two languages uses.  Besides
wall-clock time the process's CPU time is reported, since this 2-core
machine is shared and the wall clock depends on what else runs.

    .venv/bin/python benchmarks/cards.py                 # 10,000 x3 and 100,000 x1
    .venv/bin/python benchmarks/cards.py --quick         # 2,000 cards, for a smoke check
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dataclasses import replace  # noqa: E402

from ballotbox.core.printing.cards import CardData, CardInfo, MethodHint, render_cards  # noqa: E402
from ballotbox.core.printing.qr import (  # noqa: E402
    Encoder,
    Matrix,
    encode_qrcode,
    encode_zxing,
)
from ballotbox.core.tokens.format import generate  # noqa: E402

ENCODERS: dict[str, Encoder] = {"zxing": encode_zxing, "qrcode": encode_qrcode}

INFO = CardInfo(
    organisation="Example Union — North West Region",
    title="Branch Committee Election 2025",
    public_url="https://vote.example.org",
    closes="17:00 BST, Friday 16 May 2025",
    method=MethodHint("rank", candidates=7),
    sms_number="0770 090 0123",
    phone_number="0800 123 4567",
    postal_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
    check_url="https://vote.example.org/elections/branch-2025/check",
)


WELSH = replace(
    INFO,
    organisation="Undeb Enghreifftiol — Ένωση Παράδειγμα",
    title="Etholiad Pwyllgor y Gangen, Tŷ Gwyn 2025",
)

BILINGUAL = replace(
    INFO,
    title="Etholiad Pwyllgor y Gangen, Tŷ Gwyn 2025",
    closes="17:00 BST, Dydd Gwener 16 Mai 2025",
    language="cy",
    also=replace(INFO, language="en"),
)


def cards(count: int) -> Iterator[CardData]:
    """A lazy stream of cards, as the issuing service would feed them."""
    rng = random.Random(2025)
    for n in range(1, count + 1):
        yield CardData(generate(rng.randrange), f"{n:07d}")


def one(count: int, encoder: str) -> dict[str, float]:
    """Render ``count`` business cards in this process and report the figures."""
    encode: Encoder
    info, layout = INFO, "business"
    if encoder == "welsh":
        info, encoder = WELSH, "zxing"
    if encoder == "bilingual":
        info, layout, encoder = BILINGUAL, "postcard", "zxing"
    if encoder == "fixed":
        fixed = encode_zxing(INFO.vote_url(next(cards(1)).token))

        def encode_fixed(_text: str) -> Matrix:
            return fixed

        encode = encode_fixed
    else:
        encode = ENCODERS[encoder]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cards.pdf"
        start, cpu = time.perf_counter(), time.process_time()
        render_cards(cards(count), out, layout, info=info, encoder=encode)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        size = out.stat().st_size
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "bytes": size, "peak_mb": peak_mb}


def measure(count: int, encoder: str, repeat: int) -> dict[str, float]:
    """Median figures over ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(count), encoder],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout))
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return {
        "cards": count,
        "seconds": seconds,
        "cards_per_s": count / seconds,
        "cards_per_cpu_s": count / cpu,
        "bytes_per_card": statistics.median(r["bytes"] for r in runs) / count,
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def main() -> None:
    """Run the benchmark matrix and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=2, metavar=("COUNT", "ENCODER"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only", nargs="*", help="run only these rows (fixed, zxing, welsh, bilingual, qrcode)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1])))
        return
    small, big = (2_000, 4_000) if args.quick else (10_000, 100_000)
    plan = [
        ("reference: fixed QR matrix", small, "fixed", args.repeat),
        ("zxing-cpp encoder", small, "zxing", args.repeat),
        ("zxing-cpp, Welsh and Greek title", small, "welsh", args.repeat),
        ("zxing-cpp, bilingual cy + en postcard", small, "bilingual", args.repeat),
        ("qrcode (pure Python) encoder", small, "qrcode", 1),
        ("zxing-cpp encoder", big, "zxing", 1),
    ]
    print("| run | cards | median s | cards/s | cards per CPU s | bytes/card | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, count, encoder, repeat in plan:
        if args.only and encoder not in args.only:
            continue
        r = measure(count, encoder, repeat)
        print(
            f"| {label} (x{repeat}) | {count:,} | {r['seconds']:.1f} | {r['cards_per_s']:,.0f} "
            f"| {r['cards_per_cpu_s']:,.0f} | {r['bytes_per_card']:,.0f} | {r['peak_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
