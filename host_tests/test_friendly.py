# lanes: cpython micropython-unix
# Friendly-credit windows (issue 12 section 4) from the configuration.
from meter import civil
from meter.config import MeterConfig
from meter.friendly import Friendly
from support.checks import raises

TUE = civil.to_seconds(2023, 11, 14)  # a Tuesday


def _friendly(**config):
    return Friendly(MeterConfig(friendly_cap_wh=2000, **config))


def test_night_window_crosses_midnight():
    f = _friendly(friendly_hours=["18:00-06:00"])
    assert not f.window(TUE + 12 * 3600)
    assert f.window(TUE + 18 * 3600) and f.window(TUE + 23 * 3600 + 59 * 60) and f.window(TUE + 86400 + 5 * 3600)
    assert not f.window(TUE + 86400 + 6 * 3600)
    assert not f.window(-1)  # time unknown: no window


def test_weekdays_and_holidays_are_whole_days():
    f = _friendly(friendly_weekdays=[5, 6], friendly_holidays=["12-25"])
    assert not f.window(TUE + 12 * 3600)
    assert f.window(TUE + 4 * 86400 + 60) and f.window(TUE + 5 * 86400 + 86399)  # Saturday, Sunday
    assert f.window(civil.to_seconds(2023, 12, 25, 9))  # a Monday, but Christmas
    assert not f.window(civil.to_seconds(2023, 12, 26, 9))


def test_no_cap_or_no_window_means_no_friendly_credit():
    assert not Friendly(MeterConfig(friendly_hours=["00:00-24:00"])).window(TUE)  # cap 0
    assert not _friendly().configured and not _friendly().window(TUE)
    assert _friendly(friendly_hours=["00:00-24:00"]).window(TUE + 86399)


def test_malformed_windows_are_refused_at_boot():
    for bad in ({"friendly_hours": ["6pm-6am"]}, {"friendly_hours": ["18:00"]}, {"friendly_hours": ["25:00-06:00"]},
                {"friendly_weekdays": [7]}, {"friendly_holidays": ["25-12"]}, {"friendly_holidays": [1225]}):
        raises(ValueError, lambda bad=bad: _friendly(**bad))
    raises(ValueError, lambda: MeterConfig(friendly_hours="18:00-06:00"))  # a list, not a string
