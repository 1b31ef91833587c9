# lanes: cpython micropython-unix
# Evidence figures (issue 12 section 5) from marks on the energy total.
from meter.customer_setup import restore_evidence
from meter.evidence import Evidence

DAY = 86400
T = 19675 * DAY  # 2023-11-14 00:00 UTC


def test_figures_are_unknown_without_time_and_topup():
    ev = Evidence()
    assert not ev.update(500, -1, -1)
    assert ev.today_wh() == ev.yesterday_wh() == ev.last_24h_wh() == ev.since_topup_wh() == -1
    assert ev.days_left_tenths(1000, -1) == -1


def test_today_yesterday_follow_local_days_and_add_up():
    ev = Evidence()
    ev.update(1000, T + 20 * 3600, T + 20 * 3600)  # 20:00 local
    ev.on_topup(10000, 1000, T + 20 * 3600)
    ev.update(4000, T + 23 * 3600 + 3599, T + 23 * 3600 + 3599)
    assert ev.today_wh() == 3000 and ev.yesterday_wh() == -1
    ev.update(4500, T + DAY + 600, T + DAY + 600)  # just after midnight
    assert ev.yesterday_wh() == 3500 and ev.today_wh() == 0
    ev.update(5000, T + DAY + 3600, T + DAY + 3600)
    assert ev.yesterday_wh() + ev.today_wh() == ev.since_topup_wh() == 4000


def test_a_whole_day_off_means_nothing_used_yesterday():
    ev = Evidence()
    ev.update(0, T, T)
    ev.update(700, T + 3600, T + 3600)
    ev.update(700, T + 2 * DAY + 60, T + 2 * DAY + 60)
    assert ev.yesterday_wh() == 0 and ev.today_wh() == 0


def test_local_day_uses_the_offset_not_utc():
    ev = Evidence()
    ev.update(0, T + 21 * 3600, T + 23 * 3600)  # 21:00 UTC = 23:00 at UTC+2
    ev.update(100, T + 22 * 3600 + 60, T + DAY + 60)  # 00:01 local: a new local day, same UTC day
    assert ev.yesterday_wh() == 100


def test_last_24h_drops_old_hours_and_days_left_has_bounds():
    ev = Evidence()
    for h in range(30):  # 100 Wh an hour for 30 hours
        ev.update(100 * h, T + h * 3600, T + h * 3600)
    assert ev.last_24h_wh() == 2300  # the marks of this hour and the 23 before
    now = T + 29 * 3600
    # 2300 Wh in 23 h = 2400 Wh a day: 6000 Wh last 2.5 days
    assert ev.days_left_tenths(6000, now) == 25
    assert ev.days_left_tenths(0, now) == 0
    assert ev.days_left_tenths(10**9, now) == 9999  # capped at 999.9 days
    fresh = Evidence()
    fresh.update(0, T, T)
    fresh.update(50, T + 1800, T + 1800)
    assert fresh.days_left_tenths(5000, T + 1800) == -1  # half an hour is no basis
    idle = Evidence()
    idle.update(0, T, T)
    idle.update(0, T + 7200, T + 7200)
    assert idle.days_left_tenths(5000, T + 7200) == -1  # nothing used: no estimate


def test_clock_set_back_restarts_the_marks():
    ev = Evidence()
    ev.update(0, T + DAY, T + DAY)
    ev.update(100, T + DAY + 3600, T + DAY + 3600)
    ev.update(200, T + 3600, T + 3600)
    assert ev.today_wh() == 0 and ev.yesterday_wh() == -1 and len(ev.hours) == 1


def test_restore_clamps_marks_above_the_total_and_ignores_garbage():
    ev = Evidence()
    ev.update(1000, T, T)
    ev.on_topup(5000, 1000, T)
    doc = ev.to_doc()
    again = Evidence()
    restore_evidence(again, doc, 995)  # the store lost its last 5 Wh in the cut
    assert again.since_topup_wh() == 0 and again.today_wh() == 0 and again.topup[1] == 5000
    for bad in (None, {}, {"tu": 1, "d": [], "h": []}, {"tu": [1, 2], "d": [1, 2, 3], "h": []}):
        broken = Evidence()
        restore_evidence(broken, bad, 10)
        assert broken.since_topup_wh() == -1 and broken.hours == []
