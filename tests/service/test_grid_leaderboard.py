"""A grid's leaderboard ranking: the Ladder's winner first, every scored point ranked — ties and reused
points included — with ties to the simpler, then the earlier point; scores shown within [0, 1]."""

from __future__ import annotations

from typing import Any

from service.journal.grids import rank_points


def _row(position: int, auc: float | None, *, complexity: int = 0, reused: bool = False) -> dict[str, Any]:
    return {
        "position": position,
        "experiment_id": f"e{position}",
        "reused": reused,
        "validation_roc_auc": auc,
        "complexity": complexity,
        "ladder_roc_auc": None,
        "ladder_new_best": None,
    }


def test_a_reused_point_tied_for_best_gets_a_rank_and_the_tie_goes_to_the_simpler_point():
    rows = [
        _row(0, 0.91, complexity=2),  # least regularised, listed first in the grid
        _row(1, 0.91, complexity=0, reused=True),  # the same score, reused from an earlier run
        _row(2, 0.80, complexity=1),
        _row(3, None, complexity=3),  # still running
    ]
    for rank_by in ("ladder", "validation"):
        ranked = rank_points([dict(r) for r in rows], rank_by=rank_by)
        assert [(r["position"], r["rank"]) for r in ranked] == [(1, 1), (0, 2), (2, 3), (3, None)], rank_by


def test_equally_simple_ties_go_to_the_earlier_point_and_every_copy_of_one_experiment_is_ranked():
    rows = [_row(0, 0.85), _row(1, 0.88), _row(2, 0.88), _row(3, 0.88)]  # 2 and 3: one reused experiment
    ranked = rank_points(rows, rank_by="ladder")
    assert [r["position"] for r in ranked] == [1, 2, 3, 0]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
    assert [r["ladder_new_best"] for r in sorted(ranked, key=lambda r: r["position"])] == [
        True, True, False, False
    ]  # fmt: skip


def test_a_complex_point_must_beat_the_simpler_leader_by_a_step_to_rank_first():
    rows = [_row(0, 0.905, complexity=3), _row(1, 0.90, complexity=0), _row(2, 0.93, complexity=5)]
    ranked = rank_points(rows, rank_by="ladder")
    assert ranked[0]["position"] == 2 and ranked[0]["ladder_roc_auc"] == 0.93  # beat 0.90 by 0.03
    rows = [_row(0, 0.905, complexity=3), _row(1, 0.90, complexity=0)]
    ranked = rank_points(rows, rank_by="ladder")
    assert ranked[0]["position"] == 1 and ranked[0]["ladder_roc_auc"] == 0.90  # 0.005 is under a step
    assert rank_points([dict(r) for r in rows], rank_by="validation")[0]["position"] == 0
