"""An https front for the contract server on loopback, so the benchmark can measure what
a user of the real (https) API pays: the TLS context and its CA bundle.

The app trusts the front through ``SSL_CERT_FILE`` (honoured by httpx), which names a
bundle of every certifi certificate plus the front's throwaway one: the app loads as
many certificates as it does against the real API, and one more.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import threading
from pathlib import Path

import certifi


class TlsFront:
    """``https://127.0.0.1:PORT`` relaying every connection to a plain-http loopback port."""

    def __init__(self, target_port: int, folder: Path) -> None:
        key, cert = folder / "front-key.pem", folder / "front-cert.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
                *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
                *("-addext", "subjectAltName=IP:127.0.0.1"),
                *("-keyout", str(key), "-out", str(cert)),
            ],
            check=True,
            capture_output=True,
        )
        self.bundle = folder / "ca-bundle.pem"
        self.bundle.write_text(
            Path(certifi.where()).read_text(encoding="ascii") + cert.read_text(encoding="ascii"),
            encoding="ascii",
        )
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)
        self._target = target_port
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self._tls)
        )
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"https://127.0.0.1:{port}"
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ssl.SSLError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(OSError, ssl.SSLError, RuntimeError):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
