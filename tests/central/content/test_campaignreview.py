"""Campaigns through the content workflow on a real database and real publishes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from central.console import accounts, i18n, web
from central.content import campaign, campaignreview, review
from central.db import content as stored
from central.db.publishlog import first_published
from tests.central.content.test_review import NOW, add_image, call, published, submit
from tests.central.content.test_review import office as office  # noqa: PLC0414 (the fixture)


def edited(name: str, media: dict, plays: int) -> dict:
    form = {"id": name, "partner": "Toko Maju", "windows": "07:00-08:00", "goal_kind": "plays",
            "goal_value": str(plays), "back_to_back": "1"}  # fmt: skip
    lists = {"media": [media["sha256"]], "days": list(campaign.DAYS), "groups": ["A"]}
    return campaign.from_form(lambda key: form.get(key, ""), lambda key: lists.get(key, []),
                              {media["sha256"]: media})  # fmt: skip


def test_an_impossible_plan_cannot_be_approved_and_a_possible_one_is_published(office):
    red = add_image(office, "red.png", (255, 0, 0))
    call(office, review.approve, office[0], submit(office, "A", [red]), "ana", NOW)
    # Each fits alone, so both are submitted; together they need more than the hour has.
    toko = call(office, campaignreview.submit, office[0], edited("toko", red, 200), user="opa",
                role="operator", now=NOW)  # fmt: skip
    bank = call(office, campaignreview.submit, office[0], edited("bank", red, 200), user="opa",
                role="operator", now=NOW)  # fmt: skip
    with pytest.raises(review.ReviewError) as refused:
        call(office, campaignreview.approve, office[0], toko, "opa", NOW)
    assert refused.value.key == "two_person"
    call(office, campaignreview.approve, office[0], toko, "ana", NOW)
    [carried] = published(office, "A").campaigns
    assert (carried.id, carried.goal.plays_per_day, carried.back_to_back) == ("toko", 200, True)

    shown = call(office, campaignreview.review_data, bank, NOW)
    assert "need 111% of the screen's time" in str(shown["impossible"][0])
    page = approver_page(shown)  # what the approver's page says of it, in Indonesian
    assert "Target tidak dapat dipenuhi" in page and "butuh 111% waktu layar" in page
    assert "screen&#39;s time" not in page and "screen's time" not in page
    assert 'id="approve" disabled' in page
    with pytest.raises(review.ReviewError) as refused:
        call(office, campaignreview.approve, office[0], bank, "ana", NOW)
    assert refused.value.key == "goal_impossible" and "'bank' 200 plays" in str(refused.value)
    assert call(office, stored.campaign_submission, bank)["state"] == "pending"

    # A later playlist approval publishes the group's campaigns with it.
    blue = add_image(office, "blue.png", (0, 0, 255))
    call(office, review.approve, office[0], submit(office, "A", [blue]), "ana", NOW)
    assert [c.id for c in published(office, "A").campaigns] == ["toko"]
    assert call(office, first_published, "toko") == NOW.replace(tzinfo=None)
    assert call(office, first_published, "bank") is None

    # Ending a campaign is a change set too: shown in the diff, approved by another person.
    end = call(office, campaignreview.submit_end, office[0], "toko", user="opa", role="operator",
               now=NOW)  # fmt: skip
    told = call(office, campaignreview.notification, end)
    assert (told.variant, told.reach, told.link) == (
        "campaign-submitted/end",
        ("A",),
        f"/library/campaigns/changes/{end}",
    )
    diff = {d["field"]: (d["before"], d["after"]) for d in
            call(office, campaignreview.review_data, end, NOW)["diff"]}  # fmt: skip
    assert diff == {"groups": ("A", ""), "valid_until": ("", "2026-12-07")}
    assert 'id="ends-campaign"' in approver_page(call(office, campaignreview.review_data, end, NOW))
    with pytest.raises(review.ReviewError) as refused:
        call(office, campaignreview.approve, office[0], end, "opa", NOW)
    assert refused.value.key == "two_person"
    call(office, campaignreview.approve, office[0], end, "ana", NOW)
    assert published(office, "A").campaigns == ()
    told = call(office, campaignreview.notification, end)
    assert (told.variant, told.concerns, told.facts["groups"]) == (
        "campaign-decided/approved",
        ("opa",),
        "A",
    )
    with pytest.raises(review.ReviewError) as refused:
        call(office, campaignreview.submit_end, office[0], "toko", user="opa", role="operator",
             now=NOW)  # fmt: skip
    assert refused.value.key == "campaign_ended"


def approver_page(found: dict) -> str:
    """The change set's page as an approver reads it (the console's own templates)."""
    session = accounts.Session("ana", "approver", "token", NOW)
    return (
        web.make_templates()
        .get_template("campaign_change.html")
        .render(
            t=lambda key: i18n.translate("id", key),
            w=i18n.words("id"),
            lang="id",
            local=lambda value, seconds=False: i18n.local_time(value, ZoneInfo("Asia/Jakarta")),
            session=session,
            may=lambda needed: accounts.may("approver", needed),
            path="/library/campaigns/changes/2",
            here="",
            now=NOW,
            s=found,
            c=found["body"],
            error=None,
            notice="",
            own=False,
            may_decide=True,
        )
    )
