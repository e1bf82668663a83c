"""Run the stand-in Bot API server alone (for benchmarks): python benchmarks/standin.py PORT DELAY."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fake_telegram import FakeTelegram


async def main(port: int, delay: float) -> None:
    server = FakeTelegram(send_delay=delay)
    await server.start(port)
    print(server.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
