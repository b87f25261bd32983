"""Problems: how they read, and how many of one kind fold into a few lines and a count."""

from __future__ import annotations

from intermodal.exceptions import Problem, RepeatedProblems, summarize_problems


def _bad_type(row: int) -> Problem:
    return Problem("unknown route_type", file="routes.txt", row=row, field="route_type", found="77")


def test_many_problems_of_one_kind_fold_into_the_first_few_and_a_count() -> None:
    problems = [_bad_type(row) for row in range(2, 4317)]  # 4,315 rows
    summary = summarize_problems(problems)
    assert summary[:3] == problems[:3]
    assert summary[3] == RepeatedProblems("unknown route_type", "routes.txt", "route_type", 4312, 5, 4316)
    assert len(summary) == 4
    assert str(summary[3]) == "routes.txt [route_type]: … and 4,312 more like this (lines 5–4316)"


def test_kinds_keep_the_order_of_their_first_problem_and_small_kinds_stay_whole() -> None:
    missing = [Problem("file is missing", file="calendar.txt")]
    stops = [Problem("unknown stop", file="stop_times.txt", row=r, field="stop_id") for r in (9, 3, 7, 5, 4)]
    types = [_bad_type(r) for r in (2, 3, 4, 5)]  # keep + 1: folding would save no line
    summary = summarize_problems([stops[0], *types, *missing, *stops[1:]])
    assert summary == [*stops[:3], RepeatedProblems("unknown stop", "stop_times.txt", "stop_id", 2, 4, 5),
                       *types, *missing]  # fmt: skip
    assert summarize_problems(types, keep=1)[1] == RepeatedProblems(
        "unknown route_type", "routes.txt", "route_type", 3, 3, 5
    )


def test_a_fold_names_one_line_or_none() -> None:
    one_line = RepeatedProblems("value is not valid", "stops.txt", "stop_lat", 1, 7, 7)
    assert str(one_line) == "stops.txt [stop_lat]: … and 1 more like this (line 7)"
    request = [Problem("place is empty", field="from")] * 6
    summary = summarize_problems(request)
    assert str(summary[-1]) == "[from]: … and 3 more like this"
    assert summary[-1].to_dict() == {"message": "place is empty", "field": "from", "count": 3}
    assert [str(p) for p in summarize_problems([])] == []
