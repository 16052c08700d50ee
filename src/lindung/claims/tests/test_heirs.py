from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lindung.claims.heirs import distribute
from lindung.workers.models import Heir, HeirRelation


def _heir(pk: int, relation: str, share: int | None = None) -> Heir:
    return Heir(pk=pk, worker_id=1, name=f"heir {pk}", relation=relation, share=share)


def test_spouse_and_children_share_equally_and_parents_receive_nothing():
    heirs = [
        _heir(4, HeirRelation.PARENT),
        _heir(2, HeirRelation.CHILD),
        _heir(3, HeirRelation.CHILD),
        _heir(1, HeirRelation.SPOUSE),
    ]
    shares = distribute(heirs, 42_000_000)
    assert [(s.heir.pk, s.receives, s.amount) for s in shares] == [
        (1, True, 14_000_000),
        (2, True, 14_000_000),
        (3, True, 14_000_000),
        (4, False, 0),
    ]


def test_recorded_shares_are_honoured_and_the_rest_is_split():
    heirs = [_heir(1, HeirRelation.SPOUSE, 50), _heir(2, HeirRelation.CHILD), _heir(3, HeirRelation.CHILD)]
    assert [s.amount for s in distribute(heirs, 42_000_000)] == [21_000_000, 10_500_000, 10_500_000]


def test_parents_receive_when_there_is_no_spouse_or_child():
    heirs = [_heir(1, HeirRelation.SIBLING), _heir(2, HeirRelation.PARENT), _heir(3, HeirRelation.PARENT)]
    shares = distribute(heirs, 10_000_000)
    assert [(s.heir.pk, s.amount) for s in shares] == [(2, 5_000_000), (3, 5_000_000), (1, 0)]


def test_rounding_leftovers_go_to_the_first_heir():
    heirs = [_heir(1, HeirRelation.CHILD), _heir(2, HeirRelation.CHILD), _heir(3, HeirRelation.CHILD)]
    assert [s.amount for s in distribute(heirs, 10_000_000)] == [3_333_334, 3_333_333, 3_333_333]


def test_impossible_shares_fall_back_to_equal_parts():
    heirs = [_heir(1, HeirRelation.SPOUSE, 80), _heir(2, HeirRelation.CHILD, 80)]
    assert [s.amount for s in distribute(heirs, 1_000)] == [500, 500]


def test_no_heirs_no_shares():
    assert distribute([], 42_000_000) == []


@given(
    relations=st.lists(st.sampled_from(list(HeirRelation)), min_size=1, max_size=8),
    shares=st.lists(st.one_of(st.none(), st.integers(1, 100)), min_size=8, max_size=8),
    total=st.integers(0, 500_000_000),
)
def test_the_parts_always_add_up_to_the_benefit(relations: list[str], shares: list[int | None], total: int):
    heirs = [_heir(i + 1, relation, shares[i]) for i, relation in enumerate(relations)]
    parts = distribute(heirs, total)
    assert sum(p.amount for p in parts) == total
    assert all(p.amount >= 0 for p in parts)
    assert len({p.heir.pk for p in parts}) == len(heirs)
