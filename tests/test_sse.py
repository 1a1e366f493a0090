"""Tests for the incremental Server-Sent Events decoder in ``mistral_client._sse``."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mistral_client._sse import ServerSentEvent, SSEDecoder

E = ServerSentEvent


def decode(pieces: Iterable[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events += decoder.feed(piece)
    events += decoder.flush()
    return events


def decode_lone_first(pieces: Iterable[bytes]) -> list[ServerSentEvent]:
    """As the stream readers decode: ``lone_data`` or ``lone_typed_event`` first, ``feed`` when
    they decline."""
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        data = decoder.lone_data(piece)
        typed = decoder.lone_typed_event(piece) if data is None else None
        if data is not None:
            events.append(ServerSentEvent(data, None, decoder.last_event_id, decoder.retry))
        elif typed is not None:
            events.append(ServerSentEvent(typed[0], typed[1], decoder.last_event_id, decoder.retry))
        else:
            events += decoder.feed(piece)
    events += decoder.flush()
    return events


def split_at(stream: bytes, cuts: Iterable[int]) -> list[bytes]:
    """Pieces between sorted ``cuts``; a repeated cut yields an empty piece."""
    bounds = [0, *sorted(cuts), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


def one_byte_pieces(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


def decode_all_ways(stream: bytes) -> list[ServerSentEvent]:
    """Decode whole, byte by byte and in 2..5-byte pieces; all must agree."""
    whole = decode([stream])
    assert decode(one_byte_pieces(stream)) == whole
    for size in (2, 3, 5):
        assert decode(stream[i : i + size] for i in range(0, len(stream), size)) == whole
    return whole


# --- unit tests: one per rule -------------------------------------------------------------


def test_single_event() -> None:
    assert decode_all_ways(b'data: {"a": 1}\n\n') == [E('{"a": 1}')]


def test_multi_line_data_joined_with_newline() -> None:
    assert decode_all_ways(b"data: a\ndata: b\ndata:\ndata: c\n\n") == [E("a\nb\n\nc")]


def test_comments_ignored() -> None:
    stream = b": keep-alive\ndata: a\n:another comment\ndata: b\n\n:\n\n"
    assert decode_all_ways(stream) == [E("a\nb")]


def test_event_field_and_reset_after_dispatch() -> None:
    stream = b"event: delta\ndata: x\n\ndata: y\n\nevent:\ndata: z\n\n"
    assert decode_all_ways(stream) == [E("x", "delta"), E("y"), E("z")]


def test_event_type_reset_by_undispatched_block() -> None:
    assert decode_all_ways(b"event: lost\n\ndata: x\n\n") == [E("x")]


def test_id_persists_until_changed_and_ignores_nul() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid: bad\x00id\ndata: c\n\nid\ndata: d\n\nid: 7\n\ndata: e\n\n"
    assert decode_all_ways(stream) == [
        E("a", id="1"),
        E("b", id="1"),  # the last event ID buffer is not reset on dispatch
        E("c", id="1"),  # an id containing NUL is ignored
        E("d"),  # an empty id resets it
        E("e", id="7"),  # set even by a block that dispatches nothing
    ]


def test_decoder_exposes_last_event_id_and_retry() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 42\nretry: 3000\n\n") == []
    assert (decoder.last_event_id, decoder.retry) == ("42", 3000)


def test_retry_digits_only() -> None:
    stream = (
        b"retry: 1500\ndata: a\n\n"
        b"retry: 12x\ndata: b\n\n"
        b"retry: -1\ndata: c\n\n"
        b"retry:  20\ndata: d\n\n"
        b"retry: \xd9\xa3\ndata: e\n\n"  # ARABIC-INDIC DIGIT THREE, which int() would accept
        b"retry:\ndata: f\n\n"
        b"retry:0\ndata: g\n\n"
    )
    assert decode_all_ways(stream) == [
        E("a", retry=1500),
        E("b", retry=1500),
        E("c", retry=1500),
        E("d", retry=1500),
        E("e", retry=1500),
        E("f", retry=1500),
        E("g", retry=0),
    ]


def test_retry_with_absurdly_many_digits_is_ignored() -> None:
    assert decode([b"retry: " + b"9" * 10_000 + b"\ndata: a\n\n"]) == [E("a")]


def test_field_without_colon() -> None:
    # "data" alone is a data line with an empty value; "event" alone clears the type.
    assert decode_all_ways(b"data\ndata\n\nevent: x\nevent\ndata: a\n\nfoo\ndata: b\n\n") == [
        E("\n"),
        E("a"),
        E("b"),
    ]


def test_only_one_space_after_colon_is_removed() -> None:
    stream = b"data:a\n\ndata: b\n\ndata:  c\n\nevent:  t\ndata:\td\n\n"
    assert decode_all_ways(stream) == [E("a"), E("b"), E(" c"), E("\td", " t")]


def test_unknown_fields_and_case_sensitivity_ignored() -> None:
    assert decode_all_ways(b"Data: no\nfoo: bar\ndata: yes\nDATA: no\n\n") == [E("yes")]


def test_value_may_contain_colons() -> None:
    assert decode_all_ways(b'data: {"k": "a:b"}\n\n') == [E('{"k": "a:b"}')]


def test_bom_stripped_once_at_stream_start() -> None:
    bom = "\ufeff".encode()
    assert decode_all_ways(bom + b"data: a\n\n") == [E("a")]
    # a second BOM is part of the field name, so that line is an unknown field
    assert decode_all_ways(bom + bom + b"data: a\n\ndata: b\n\n") == [E("b")]
    # a BOM later in the stream is not special
    assert decode_all_ways(b"data: a\n\n" + bom + b"data: b\n\n") == [E("a")]
    assert decode_all_ways(b"data: " + bom + b"x\n\n") == [E("\ufeffx")]


def test_bom_stripped_again_after_flush() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("\ufeffdata: a\n\n".encode()) == [E("a")]
    assert decoder.flush() == []
    assert decoder.feed("\ufeffdata: b\n\n".encode()) == [E("b")]


def test_events_without_data_not_dispatched() -> None:
    assert decode_all_ways(b"event: x\n\nid: 1\n\nretry: 5\n\n: c\n\n\n\n") == []


def test_empty_data_line_is_dispatched() -> None:
    assert decode_all_ways(b"data:\n\n") == [E("")]


def test_incomplete_event_at_eof_discarded() -> None:
    assert decode_all_ways(b"data: a\n\ndata: b\n") == [E("a")]
    assert decode_all_ways(b"data: a\n\ndata: b") == [E("a")]
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.flush() == []
    # flush reset the parser: the pending line and data are gone
    assert decoder.feed(b"data: b\n\n") == [E("b")]


def test_flush_keeps_last_event_id_for_reconnection() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 9\ndata: a\n\ndata: partial") == [E("a", id="9")]
    assert decoder.flush() == []
    assert decoder.last_event_id == "9"
    assert decoder.feed(b"data: b\n\n") == [E("b", id="9")]


def test_done_sentinel_is_an_ordinary_event() -> None:
    assert decode_all_ways(b'data: {"x": 1}\n\ndata: [DONE]\n\n') == [E('{"x": 1}'), E("[DONE]")]


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_line_endings(eol: bytes) -> None:
    stream = eol.join([b"event: e", b"data: a", b"data: b", b"", b": c", b"data: c", b"", b""])
    assert decode_all_ways(stream) == [E("a\nb", "e"), E("c")]


def test_mixed_line_endings() -> None:
    assert decode_all_ways(b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\rdata: e\n\r") == [
        E("a\nb\nc"),
        E("d"),
        E("e"),
    ]


def test_crlf_split_across_feeds() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n") == []  # the LF belongs to the CR: no blank line yet
    assert decoder.feed(b"\r") == [E("a")]
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"\n\r\n") == [E("b")]


def test_cr_then_cr_across_feeds_is_two_line_ends() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [E("a")]


def test_cr_at_feed_end_then_empty_feed() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []  # still the CR's LF
    assert decoder.feed(b"\n") == [E("a")]


def test_utf8_character_split_across_feeds() -> None:
    text = "h\u00e9llo \u4e16\u754c \U0001f600"
    stream = f"event: \u00e9v\ndata: {text}\n\n".encode()
    expected = [E(text, "\u00e9v")]
    for cut in range(len(stream) + 1):
        assert decode([stream[:cut], stream[cut:]]) == expected
    assert decode(one_byte_pieces(stream)) == expected


def test_invalid_utf8_replaced() -> None:
    assert decode_all_ways(b"data: a\xffb\xc3\n\n") == [E("a\ufffdb\ufffd")]


def test_empty_feeds_are_harmless() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == [E("a")]


def test_several_events_in_one_feed_in_order() -> None:
    stream = b"".join(b"data: %d\n\n" % i for i in range(50))
    assert decode([stream]) == [E(str(i)) for i in range(50)]


# --- property tests -----------------------------------------------------------------------

# Field values cannot contain line terminators; everything else (NUL, colons, leading spaces,
# astral characters, lone surrogates aside) must round-trip.
line_text = st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=12)
event_spec = st.tuples(
    st.lists(line_text, min_size=1, max_size=4),  # data lines
    st.none() | line_text,  # event type
    st.none() | line_text.filter(lambda s: "\0" not in s),  # id
    st.none() | st.integers(min_value=0, max_value=10**12),  # retry
    st.booleans(),  # precede with a comment line
)


def serialize(
    specs: list[tuple[list[str], str | None, str | None, int | None, bool]],
    eol: Callable[[str], str],
    drop_space: Callable[[], bool],
) -> tuple[str, list[ServerSentEvent]]:
    """The text of a stream for ``specs`` and the events a conforming decoder must give."""
    out: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id: str | None = None
    retry: int | None = None

    def field(name: str, value: str) -> None:
        # The optional space may be left out unless the value itself starts with a space.
        sep = ":" if value[:1] != " " and drop_space() else ": "
        out.append(name + sep + value + eol(name))

    for data_lines, event, id_, retry_ms, comment in specs:
        if comment:
            out.append(": comment" + eol(":"))
        if event is not None:
            field("event", event)
        if id_ is not None:
            field("id", id_)
            last_id = id_ or None
        if retry_ms is not None:
            field("retry", str(retry_ms))
            retry = retry_ms
        for line in data_lines:
            field("data", line)
        out.append(eol(""))
        expected.append(E("\n".join(data_lines), event or None, last_id, retry))
    return "".join(out), expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(event_spec, max_size=6),
    style=st.sampled_from(["\n", "\r", "\r\n", "mixed"]),
    bom=st.booleans(),
    trailer=st.sampled_from(["", "data: dangling", "data: dangling\n", "event: x\ndata: y\r\n"]),
    data=st.data(),
)
def test_any_chunking_gives_the_reference_events(
    specs: list[tuple[list[str], str | None, str | None, int | None, bool]],
    style: str,
    bom: bool,
    trailer: str,
    data: st.DataObject,
) -> None:
    prev = [""]

    def eol(line_start: str) -> str:
        if style != "mixed":
            return style
        choices = ["\n", "\r", "\r\n"]
        if line_start == "" and prev[0] == "\r":
            choices.remove("\n")  # a CR and then a blank line's LF would read as one CRLF
        prev[0] = data.draw(st.sampled_from(choices))
        return prev[0]

    text, expected = serialize(specs, eol, lambda: data.draw(st.booleans()))
    stream = ("\ufeff" if bom else "").encode() + text.encode() + trailer.encode()

    assert decode([stream]) == expected
    assert decode(one_byte_pieces(stream)) == expected
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=12))
    assert decode(split_at(stream, cuts)) == expected
    assert decode_lone_first(split_at(stream, cuts)) == expected
    # One piece per event (cut after each blank line), so that whole one-line events reach lone_data.
    event_cuts = [m.end() for m in re.finditer(rb"\n\n", stream)]
    assert decode_lone_first(split_at(stream, event_cuts)) == expected


# A literal, whole-stream transcription of the spec, to compare against on arbitrary bytes.
def reference_decode(stream: bytes) -> list[ServerSentEvent]:
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    *lines, _incomplete = re.split(r"\r\n|\r|\n", text)
    events: list[ServerSentEvent] = []
    data_buffer = ""
    event_type = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if line == "":
            if data_buffer == "":
                event_type = ""
                continue
            if data_buffer.endswith("\n"):
                data_buffer = data_buffer[:-1]
            events.append(E(data_buffer, event_type or None, last_id or None, retry))
            data_buffer = event_type = ""
        elif line.startswith(":"):
            continue
        else:
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "event":
                event_type = value
            elif name == "data":
                data_buffer += value + "\n"
            elif name == "id" and "\0" not in value:
                last_id = value
            elif name == "retry" and value and all(c in "0123456789" for c in value):
                retry = int(value)
    return events


stream_tokens = st.sampled_from(
    [
        *(b"data", b"event", b"id", b"retry", b":", b" ", b"\r", b"\n", b"\r\n", b"\n\n", b"x", b"7"),
        *(b"\x00", "\ufeff".encode(), b"\xc3", b"\xa9", b"\xf0\x9f\x98\x80", b"\xff", b"data: "),
        *(b"id: a\x00", b"retry: 15\n", b"data: x\n\n", b"\n\xef\xbb\xbf", b"event:e\r"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(stream_tokens, max_size=40), data=st.data())
def test_arbitrary_bytes_match_the_spec_transcription(tokens: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(tokens)
    expected = reference_decode(stream)
    assert decode([stream]) == expected
    assert decode(one_byte_pieces(stream)) == expected
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    assert decode(split_at(stream, cuts)) == expected


# --- performance: linear time -------------------------------------------------------------


def best_time(stream: bytes, chunk: int, reps: int = 5) -> float:
    """Min over ``reps`` runs (robust to a busy machine) of decoding ``stream`` in ``chunk``-byte reads."""
    pieces = [stream[i : i + chunk] for i in range(0, len(stream), chunk)]
    best = float("inf")
    for _ in range(reps):
        decoder = SSEDecoder()
        start = time.perf_counter()
        for piece in pieces:
            decoder.feed(piece)
        best = min(best, time.perf_counter() - start)
    return best


def one_event(size: int, line: int) -> bytes:
    """A single event with ``size`` bytes of data, in data lines of at most ``line`` bytes."""
    count = max(1, size // line)
    return (b"data: " + b"x" * (size // count) + b"\n") * count + b"\n"


@pytest.mark.parametrize(
    ("small", "chunk", "line"),
    [
        (1 << 20, 4096, 1 << 24),  # one 1 MB / 8 MB line
        (1 << 20, 4096, 64),  # many data lines in one event
        (1 << 17, 7, 1 << 24),  # 128 KB / 1 MB in tiny reads
        (1 << 15, 1, 1 << 24),  # 32 KB / 256 KB byte by byte
    ],
    ids=["one-line-4k", "many-lines-4k", "one-line-7b", "one-line-1b"],
)
def test_single_large_event_scales_linearly(small: int, chunk: int, line: int) -> None:
    times = {}
    for size in (small, 8 * small):
        stream = one_event(size, line)
        decoder = SSEDecoder()
        events = [e for i in range(0, len(stream), chunk) for e in decoder.feed(stream[i : i + chunk])]
        assert len(events) == 1 and len(events[0].data) >= size
        times[size] = best_time(stream, chunk)
    # Linear gives ~8x; a quadratic rescan would give ~64x. The bound leaves room for a busy machine.
    assert times[8 * small] / times[small] < 32, times


def llm_stream(n: int) -> bytes:
    """``n`` chat-completion-chunk-like events of ~150 bytes each."""
    parts = []
    for i in range(n):
        chunk = {
            "id": "cmpl-e5cc70bb28c4449",
            "object": "chat.completion.chunk",
            "model": "mistral-small",
            "choices": [{"index": 0, "delta": {"content": f"token{i}"}}],
        }
        parts.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    return b"".join(parts)


def test_many_small_events_scale_linearly() -> None:
    small, large = llm_stream(2_500), llm_stream(20_000)
    assert len(decode([large[i : i + 4096] for i in range(0, len(large), 4096)])) == 20_000
    t_small, t_large = best_time(small, 4096, reps=7), best_time(large, 4096, reps=7)
    assert t_large / t_small < 32, (t_small, t_large)
    # The real budget is ~10 ms here; this bound only catches gross regressions on a loaded box.
    assert t_large < 0.5, t_large


def test_lone_typed_event_takes_only_a_whole_event_and_data_line() -> None:
    decoder = SSEDecoder()
    assert decoder.lone_typed_event(b"event: a\ndata: {}\n\n") is None  # the stream's start goes to feed
    decoder.feed(b": hello\n\n")
    assert decoder.lone_typed_event(b"event: a\ndata: {}\n\n") == ("{}", "a")
    assert decoder.lone_typed_event(b"event:a\ndata:x\n\n") == ("x", "a")
    assert decoder.lone_typed_event(b"event:\ndata: x\n\n") == ("x", None)
    assert decoder.lone_typed_event(b"event: a\ndata: x\ndata: y\n\n") is None  # two data lines
    assert decoder.lone_typed_event(b"event: a\nid: 1\n\n") is None
    assert decoder.lone_typed_event(b"event: a\r\ndata: x\r\n\r\n") is None
    assert decoder.lone_typed_event(b"event: a\ndata: x\n") is None  # not dispatched yet


def test_lone_data_takes_only_a_whole_single_line_event() -> None:
    decoder = SSEDecoder()
    assert decoder.lone_data(b"data: a\n\n") is None  # the stream's start (a BOM) goes through feed
    assert decoder.feed(b"data: a\n\n") == [E("a")]
    assert decoder.lone_data(b'data: {"x": 1}\n\n') == '{"x": 1}'
    assert decoder.lone_data(b"data:b\n\n") == "b"
    assert decoder.lone_data(b"data: \xff\n\n") == "\ufffd"
    for chunk in (b"data: a\n", b"data: a\r\n\r\n", b"data: a\ndata: b\n\n", b"event: e\n\n", b"id: 1\n\n"):
        assert decoder.lone_data(chunk) is None
    assert decoder.feed(b"event: e\n") == []
    assert decoder.lone_data(b"data: a\n\n") is None  # a pending event type goes through feed
    assert decoder.feed(b"data: a\n\n") == [E("a", "e")]
