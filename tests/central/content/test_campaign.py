"""The console's campaign editor: its fields checked, and the publish's goal check asked."""

from __future__ import annotations

import datetime as dt

from central.content import campaign

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
SHA = "b" * 64
LIBRARY = {SHA: {"sha256": SHA, "name": "toko.png", "type": "image", "size": 900}}


def edited(**changes) -> dict:
    form = {"id": "toko-maju", "partner": "Toko  Maju", "windows": "07:00-08:00",
            "goal_kind": "plays", "goal_value": "400", **changes}  # fmt: skip
    lists = {"media": [SHA], "days": list(campaign.DAYS), "groups": ["A"]}
    return campaign.from_form(lambda name: form.get(name, ""), lambda name: lists.get(name, []),
                              LIBRARY)  # fmt: skip


def test_a_goal_the_screens_cannot_meet_is_said_with_its_numbers_per_group() -> None:
    found = campaign.impossible(edited(), [], LIBRARY, NOW)
    assert found[0].startswith(
        "A: Mon 2026-12-07 07:00-08:00: 'toko-maju' 400 plays of 10s, one every 9s: 111% "
        "leaves less than its own length"
    )
    assert all(text.startswith("A: ") for text in found)
    assert campaign.impossible(edited(goal_value="100"), [], LIBRARY, NOW) == []
    # Back to back, one fits; beside another approved campaign in that hour, not both.
    alone = edited(goal_value="200", back_to_back="1")
    assert campaign.impossible(alone, [], LIBRARY, NOW) == []
    other = edited(id="bank", goal_value="200", back_to_back="1")
    [together] = campaign.impossible(alone, [other], LIBRARY, NOW)
    assert "'bank' 200 plays" in together and "'toko-maju' 200 plays" in together
    assert "need 111% of the screen's time" in together
    elsewhere = {**other, "groups": ["B"]}  # plays on other screens: no matter
    assert campaign.impossible(alone, [elsewhere], LIBRARY, NOW) == []


def test_the_fields_are_checked_in_words_the_page_translates() -> None:
    good = edited(goal_value="100")
    assert good["partner"] == "Toko Maju" and good["goal"] == {"plays_per_day": 100}
    assert campaign.check(good, ["A"]) == []
    bad = edited(id="Toko Maju!", windows="7-8", goal_kind="share", goal_value="150")
    keys = [problem.key for problem in campaign.check(bad, ["B"])]
    assert keys == ["campaign_id", "campaign_window", "campaign_group", "campaign_share"]
