"""Libraries: upload documents that the model searches when it answers (the document library tool).

Creates a library, uploads a file (streamed from disk), waits until it is processed, reads back its
text, asks a question over it, shares the library, and deletes it all again.
Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mistral_client import Client, DocumentProcessingError, DocumentProcessingTimeoutError

MODEL = "mistral-small-latest"
HANDBOOK = """# Staff handbook

Everyone gets 25 days of paid leave a year, plus public holidays.
Leave is booked in the HR portal at least two weeks ahead.
"""


def main() -> None:
    with Client() as client, tempfile.TemporaryDirectory() as scratch:
        libraries = client.beta.libraries
        library = libraries.create(name="Staff handbook", description="HR policies")
        print(f"created library {library.name!r} ({library.id})")

        path = Path(scratch) / "handbook.md"
        path.write_text(HANDBOOK, encoding="utf-8")
        document = libraries.documents.upload(library_id=library.id, file=path)
        print(f"uploaded {document.name}: {document.size} bytes, {document.process_status}")
        try:
            document = libraries.documents.wait_until_processed(
                library_id=library.id, document_id=document.id, timeout=300
            )
        except DocumentProcessingError as error:
            print(f"processing failed ({error.status.process_status}): reprocess or delete it")
            raise
        except DocumentProcessingTimeoutError:
            print("still processing after 5 minutes: it goes on, check back later")
            raise
        print(f"processed: {document.process_status}")

        text = libraries.documents.text_content(library_id=library.id, document_id=document.id)
        print(f"its text starts: {text.text.splitlines()[0]!r}")

        # The model searches the library when it needs to, through the document library tool.
        answer = client.chat.complete(
            model=MODEL,
            messages=[{"role": "user", "content": "How many days of paid leave do we get?"}],
            tools=[{"type": "document_library", "library_ids": [library.id]}],
        )
        print(f"answer: {answer.text}")

        for listed in libraries.documents.list(library_id=library.id).data:
            print(f"in the library: {listed.name} ({listed.process_status})")
        # Share it with your workspace (its id is in the console), read-only.
        access = libraries.accesses.update_or_create(
            library_id=library.id,
            level="Viewer",
            share_with_uuid="0f8fad5b-d9cb-469f-a165-70867728950e",
            share_with_type="Workspace",
        )
        print(f"shared with a workspace as {access.role}")

        libraries.documents.delete(library_id=library.id, document_id=document.id)
        libraries.delete(library_id=library.id)
        print("deleted the document and the library")


if __name__ == "__main__":
    main()
