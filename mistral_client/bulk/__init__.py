"""Bulk work: many requests as one call, with progress, in input order, resumable.

- :mod:`._embeddings`: ``embeddings.create_many`` (batching, concurrency, one shared backoff);
- :mod:`._batch_prepare`, :mod:`._batch_run`, :mod:`._batch_results`, :mod:`._batch_local`: the
  Batch API's ``batch.start`` / ``run`` / ``resume`` (checking and serializing the requests, creating
  and polling the job, reading the results, or running them in-process on a backend that is not HTTP);
- :mod:`._errors` (the errors that keep what was computed) and :mod:`._progress` (the bars).

The public names are exported from ``mistral_client``; this package imports nothing on its own, so
``mistral_client`` can export the errors and ``ProgressEvent`` without loading the rest.
"""
