"""``mistral-client ocr`` and ``mistral-client moderate`` against the loopback server, through click's
runner."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from mistral_client.cli import cli
from tests.documents_api import DocumentsAPI, image_bytes, ocr_response, pdf_bytes, sent_document
from tests.loopback import Conn, LoopbackServer, Request

Serve = Callable[[Any], LoopbackServer]
KEY = "sk-test-secret-0123456789"


def run(args: list[str], server: LoopbackServer, input: bytes | str | None = None) -> Result:
    env = {"MISTRAL_API_KEY": KEY, "MISTRAL_BASE_URL": server.url, "MISTRAL_MODEL": None}
    return CliRunner().invoke(cli, args, input=input, env=env)


def test_ocr_prints_the_markdown_of_a_local_pdf(serve: Serve, tmp_path: Path) -> None:
    server = serve(DocumentsAPI())
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes())
    result = run(["ocr", str(pdf), "--pages", "0,1"], server)
    assert result.exit_code == 0, result.output
    assert result.stdout == "# Hello OCR\n\n![img-0.png](img-0.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    body = json.loads(server.requests[0].body)
    assert body["model"] == "mistral-ocr-latest" and body["pages"] == "0,1"
    assert sent_document(server.requests[0]) == ("document_url", "application/pdf", pdf.read_bytes())
    assert "include_image_base64" not in body


def test_ocr_reads_a_url_or_stdin(serve: Serve) -> None:
    server = serve(DocumentsAPI())
    assert run(["ocr", "https://x.example/a.pdf", "-m", "mistral-ocr-2505"], server).exit_code == 0
    png = image_bytes("PNG")
    assert run(["ocr", "-"], server, input=png).exit_code == 0
    first = json.loads(server.requests[0].body)
    assert first["document"] == {"type": "document_url", "document_url": "https://x.example/a.pdf"}
    assert first["model"] == "mistral-ocr-2505"
    assert sent_document(server.requests[1]) == ("image_url", "image/png", png)


def test_ocr_images_are_written_and_the_markdown_links_to_them(serve: Serve, tmp_path: Path) -> None:
    server = serve(DocumentsAPI())
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes())
    figures = tmp_path / "figures"
    result = run(["ocr", str(pdf), "--images", str(figures)], server)
    assert result.exit_code == 0, result.output
    assert json.loads(server.requests[0].body)["include_image_base64"] is True
    written = figures / "img-0.png"
    assert written.read_bytes() == image_bytes("PNG")
    assert f"![img-0.png]({written.as_posix()})" in result.stdout
    assert "wrote 1 image to" in result.stderr


def test_an_image_id_never_writes_outside_the_directory(serve: Serve, tmp_path: Path) -> None:
    body = ocr_response(image_base64="data:image/png;base64," + base64.b64encode(b"\x89PNG").decode())
    body["pages"][1]["images"][0]["id"] = "../../escape"

    def handler(request: Request, conn: Conn) -> None:
        conn.respond_json(200, body)

    server = serve(handler)
    out = tmp_path / "out"
    result = run(["ocr", "https://x.example/a.pdf", "--images", str(out)], server)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["escape.png"] and not (tmp_path / "escape").exists()


def test_ocr_json_and_errors(serve: Serve, tmp_path: Path) -> None:
    server = serve(DocumentsAPI())
    result = run(["ocr", "https://x.example/a.pdf", "--json"], server)
    assert result.exit_code == 0 and json.loads(result.stdout)["usage_info"]["pages_processed"] == 2
    missing = run(["ocr", str(tmp_path / "missing.pdf")], server)
    assert missing.exit_code == 2 and "no file at" in missing.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    unknown = run(["ocr", str(notes)], server)
    assert unknown.exit_code == 2 and "is not a PDF, PNG" in unknown.stderr
    assert len(server.requests) == 1  # the failures sent nothing


def test_ocr_on_the_local_backend_says_it_is_not_served(serve: Serve, tmp_path: Path) -> None:
    server = serve(DocumentsAPI())
    result = run(["ocr", "https://x.example/a.pdf", "--local", str(tmp_path)], server)
    assert result.exit_code == 2 and "ocr.process" in result.stderr and "does not serve" in result.stderr


def test_moderate_prints_the_verdict_and_the_scores(serve: Serve) -> None:
    server = serve(DocumentsAPI())
    result = run(["moderate", "I", "will", "hurt", "you"], server)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "flagged: violence_and_threats"
    assert lines[1].split() == ["violence_and_threats", "0.9100", "*"] and lines[-1].split() == [
        "sexual",
        "0.0010",
    ]
    assert json.loads(server.requests[0].body) == {
        "model": "mistral-moderation-latest",
        "input": "I will hurt you",
    }
    piped = run(
        ["moderate", "--json", "-m", "mistral-moderation-2411"], server, input="or else, from stdin\n"
    )
    assert (
        piped.exit_code == 0 and json.loads(piped.stdout)["results"][0]["categories"]["violence_and_threats"]
    )
    assert json.loads(server.requests[1].body) == {
        "model": "mistral-moderation-2411",
        "input": "or else, from stdin\n",
    }


def test_moderate_not_flagged_and_errors(serve: Serve) -> None:
    def calm(request: Request, conn: Conn) -> None:
        result = {"categories": {"pii": False}, "category_scores": {"pii": 0.01}}
        conn.respond_json(200, {"id": "m", "model": "m", "results": [result]})

    result = run(["moderate", "hello"], serve(calm))
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "not flagged"
    refused = run(["moderate", "hello"], serve(DocumentsAPI(failures=[401])))
    assert refused.exit_code == 3 and "authentication failed" in refused.stderr
