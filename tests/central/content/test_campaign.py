"""The console's campaign editor: its fields checked, and the publish's goal check asked."""

from __future__ import annotations

import datetime as dt

from central.console import i18n
from central.content import campaign, campaignreview

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
    assert str(found[0]).startswith(
        "A: Mon 2026-12-07 07:00-08:00: 'toko-maju' 400 plays of 10s, one every 9s: 111% "
        "leaves less than its own length"
    )
    assert all(one.group == "A" for one in found)
    assert i18n.unmet(found[0], "id").startswith(
        "A: Sen 2026-12-07 07:00-08:00 (dan 6 hari lagi sampai Min 2026-12-13): 'toko-maju' "
        "400 tayang @ 10 dtk, tiap 9 dtk (111%); jarak antartayang lebih pendek dari materinya "
        "sendiri, yang muat 180 dari 400 tayang"
    )
    assert i18n.unmet(found[0], "en") == str(found[0])
    assert campaign.impossible(edited(goal_value="100"), [], LIBRARY, NOW) == []
    # Back to back, one fits; beside another approved campaign in that hour, not both.
    alone = edited(goal_value="200", back_to_back="1")
    assert campaign.impossible(alone, [], LIBRARY, NOW) == []
    other = edited(id="bank", goal_value="200", back_to_back="1")
    [together] = campaign.impossible(alone, [other], LIBRARY, NOW)
    english = str(together)
    assert "'bank' 200 plays" in english and "'toko-maju' 200 plays" in english
    assert "need 111% of the screen's time" in english
    assert [(n.campaign, n.plays, n.fit) for n in together.problem.needs] == [
        ("bank", 200, 160), ("toko-maju", 200, 160)]  # fmt: skip
    indonesian = i18n.unmet(together, "id")
    assert "bersama butuh 111% waktu layar" in indonesian
    assert "'bank' 160 dari 200, 'toko-maju' 160 dari 200 tayang" in indonesian
    assert "screen" not in indonesian and "plays" not in indonesian
    refused = campaignreview.GoalUnmet([together])  # an approval refused in a race
    assert i18n.refusal(refused, "id") == f"Target tidak dapat dipenuhi: {indonesian}"
    assert i18n.refusal(refused, "en") == f"The goal cannot be met: {english}"
    elsewhere = {**other, "groups": ["B"]}  # plays on other screens: no matter
    assert campaign.impossible(alone, [elsewhere], LIBRARY, NOW) == []


def test_the_fields_are_checked_in_words_the_page_translates() -> None:
    good = edited(goal_value="100")
    assert good["partner"] == "Toko Maju" and good["goal"] == {"plays_per_day": 100}
    assert campaign.check(good, ["A"]) == []
    bad = edited(id="Toko Maju!", windows="7-8", goal_kind="share", goal_value="150")
    keys = [problem.key for problem in campaign.check(bad, ["B"])]
    assert keys == ["campaign_id", "campaign_window", "campaign_group", "campaign_share"]
