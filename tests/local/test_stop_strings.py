from __future__ import annotations

import pytest

from mistral_client.local._stop_strings import StopStringMatcher


def run(stops: list[str], deltas: list[str]) -> tuple[str, bool]:
    matcher = StopStringMatcher(stops)
    out = []
    for delta in deltas:
        text, stopped = matcher.push(delta)
        out.append(text)
        if stopped:
            return "".join(out), True
    out.append(matcher.flush())
    return "".join(out), False


@pytest.mark.parametrize(
    ("stops", "deltas", "expected"),
    [
        (["END"], ["hello ", "world"], ("hello world", False)),
        (["END"], ["hello E", "N", "D and more"], ("hello ", True)),
        (["END"], ["abcEND"], ("abc", True)),
        (["\n\n"], ["line\n", "\nnext"], ("line", True)),
        # A held prefix that turns out not to be a stop string is released intact.
        (["END"], ["EN", "x", "E"], ("ENxE", False)),
        # The earliest match wins, whichever stop string it is.
        (["xyz", "b"], ["axyzb"], ("a", True)),
        (["ab", "b"], ["cab"], ("c", True)),
        ([], ["anything"], ("anything", False)),
        ([""], ["empty stops are ignored"], ("empty stops are ignored", False)),
    ],
)
def test_stop_strings(stops: list[str], deltas: list[str], expected: tuple[str, bool]) -> None:
    assert run(stops, deltas) == expected


def test_text_that_cannot_start_a_stop_is_released_at_once() -> None:
    matcher = StopStringMatcher(["STOP"])
    assert matcher.push("hello S") == ("hello ", False)
    assert matcher.push("x") == ("Sx", False)
