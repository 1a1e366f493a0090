"""Bulk work: embed a thousand texts with create_many, then run chats as one Batch API job.

Needs MISTRAL_API_KEY; MISTRAL_BASE_URL points the client at another server (optional).
"""

from __future__ import annotations

from collections.abc import Iterator

from mistral_client import BatchJobError, Client, EmbeddingBatchError, ProgressEvent


def documents() -> Iterator[str]:
    # A generator (a file read line by line, say): create_many reads it once, a batch at a time.
    for i in range(1000):
        yield f"Document {i}: notes about topic {i % 7}."


def report(event: ProgressEvent) -> None:
    # progress=True draws a tqdm bar instead; a callable gets every step.
    if event.done == event.total:
        print(f"progress: {event.done}/{event.total} inputs, {event.tokens} tokens, {event.elapsed:.1f} s")


def main() -> None:
    with Client() as client:
        try:
            result = client.embeddings.create_many(
                model="mistral-embed", inputs=documents(), batch_size=64, max_concurrency=8, progress=report
            )
        except EmbeddingBatchError as error:
            # Nothing computed is lost: embed only what is missing, then carry on.
            print(f"{len(error.failed_indices)} inputs failed; resuming")
            result = client.embeddings.create_many(
                model="mistral-embed", inputs=documents(), batch_size=64, resume_from=error
            )
        matrix = result.to_numpy()
        print(f"embedded {len(result)} texts into a {matrix.shape} array; {result.usage.total_tokens} tokens")

        questions = [f"In one word, the colour of fruit number {i}?" for i in range(20)]
        handle = client.batch.start(
            endpoint="/v1/chat/completions",
            model="mistral-small-latest",
            requests=[{"messages": [{"role": "user", "content": q}], "max_tokens": 10} for q in questions],
        )
        # Known at once: after a crash, client.batch.resume(job_id) picks the job up again.
        print(f"batch job {handle.job_id} created")
        try:
            batch = handle.wait(poll_interval=1.0)
        except BatchJobError as error:
            print(f"job ended {error.job.status}; {len(error.items)} requests finished")
            return
        print(f"job {batch.job.status}: {len(batch.responses)} answers, {len(batch.errors)} errors")
        for item in batch.items[:3]:
            print(f"  {item.custom_id}: {item.response.text if item.response else item.error}")


if __name__ == "__main__":
    main()
