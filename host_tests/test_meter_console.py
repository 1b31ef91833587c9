# lanes: cpython micropython-unix
# mp-heapsize: 162wK
# mp-compiled: yes
# The serial console: every reply ends in OK or ERR, bad input never raises,
# and nothing it offers can add credit, change keys or force the relay.
from sts import results as R
from support.rig import Rig
from support.vend import credit


def _ok(reply):
    assert reply[-1] == "OK", reply
    return reply[:-1]


def test_help_version_status_and_lcd():
    rig = Rig()
    assert any(line.startswith("status") for line in _ok(rig.console("help")))
    assert _ok(rig.console("version")) == ["version=" + rig.meter.version]
    status = dict(line.split("=", 1) for line in _ok(rig.console("status")))
    for key in ("credit_wh", "relay", "relay_reason", "power_w", "voltage_v", "energy_wh", "lockout_s", "tids",
                "krn", "kt", "ti", "sgc", "ken", "base_date", "ea", "last_result"):
        assert key in status, key
    assert status["sgc"] == "123456" and status["ea"] == "07" and status["relay"] == "open"
    assert _ok(rig.console("lcd")) == rig.system.ui.lines


def test_status_gives_each_key_its_own_value_in_order():
    rig = Rig(load_w=500)
    rig.console("token " + credit(5_100_050, 10))
    rig.advance(10)
    lines = _ok(rig.console("status"))
    names = [line.split("=", 1)[0] for line in lines]
    assert names[:22] == ["credit_wh", "relay", "relay_reason", "power_w", "voltage_v", "current_a", "energy_wh",
                          "energy_today_wh", "lockout_s", "tids", "krn", "kt", "ti", "sgc", "ken", "base_date", "ea",
                          "last_result", "ic", "alarm", "storage", "tamper"]
    assert names[-3:] == ["resets", "reset_cause", "safe_mode"]  # the runtime's, after the customer's figures
    status = dict(line.split("=", 1) for line in lines)
    state, keys, meter = rig.state, rig.meter.keys, rig.meter
    assert status["credit_wh"] == str(state.credit_wh) and status["relay"] == "closed"
    assert status["power_w"] == str(meter.power_w()) == "500" and status["energy_wh"] == str(state.energy_total_wh)
    assert status["lockout_s"] == "0" and status["tids"] == "1" and status["krn"] == str(keys.krn)
    assert status["kt"] == str(keys.kt) and status["ti"] == "%02d" % keys.ti and status["ken"] == str(keys.ken)
    assert status["base_date"] == str(keys.base_date) and status["last_result"] == str(meter.last_result) == "1"
    assert status["ic"] == "ok" and status["alarm"] == ("1" if meter.alarm else "0")
    assert status["storage"] == str(state.storage)
    assert status["resets"] == str(rig.system.runtime.resets.count) and status["safe_mode"] == "no"


def test_an_unprovisioned_meter_shows_zero_key_fields():
    rig = Rig(provision=None)
    status = dict(line.split("=", 1) for line in _ok(rig.console("status")))
    assert [status[k] for k in ("krn", "kt", "ti", "sgc", "ken", "base_date", "ea")] == [
        "0", "0", "00", "000000", "0", "0", "00"]
    rig.type("#12#")  # the key state's short code
    assert rig.lcd() == ["SGC 000000 TI00", "KRN0 KT0"]


def test_key_and_token_commands_type_like_the_keypad():
    rig = Rig()
    lines = _ok(rig.console("key 12#"))
    assert lines[0].rstrip() == "12" and lines[1].startswith("need 20 digits")
    assert lines == _ok(rig.console("lcd"))
    rig.console("key !*")
    token = credit(5_100_000, 30)
    reply = _ok(rig.console("token " + token))
    assert reply[0] == "result=1 Accept" and reply[1].startswith("Accept +3.0kWh")
    assert _ok(rig.console("token " + token))[0] == "result=10 already used"
    assert rig.state.credit_wh == 3000


def test_log_tids_energy_regdump_config():
    rig = Rig()
    rig.console("token " + credit(5_100_010, 10))
    assert _ok(rig.console("tids")) == ["count=1", "5100010"]
    log = _ok(rig.console("log 3"))
    assert len(log) == 3 and log[0].endswith("relay closed=1 reason=0")
    assert log[1].endswith("token accepted code=1 tid=5100010")
    energy = dict(line.split("=") for line in _ok(rig.console("energy")))
    assert energy["credit_wh"] == "1000"
    regs = _ok(rig.console("regdump"))
    assert any(line.split()[0] == "Ugain" for line in regs) or len(regs) > 5
    config = _ok(rig.console("config"))
    assert any("sgc=123456" in line for line in config)
    assert not any("e653341f" in line.lower() for line in config)  # the decoder key never leaves the meter


def test_bad_commands_and_arguments_get_err_with_a_hint():
    rig = Rig()
    assert rig.console("fly me to the moon")[-1].startswith("ERR unknown command 'fly' (try: help)")
    assert rig.console("token 1234")[-1] == "ERR usage: token <20 digits>"
    assert rig.console("token abcdefghijabcdefghij")[-1] == "ERR usage: token <20 digits>"
    assert rig.console("key 12x")[-1].startswith("ERR not a keypad key")
    assert rig.console("log -3")[-1].startswith("ERR")
    assert rig.console("log many")[-1].startswith("ERR bad arguments for log")
    assert rig.console("loglevel loud")[-1].startswith("ERR bad arguments")
    assert rig.console("")[-1] == "OK"
    assert rig.state.credit_wh == 0


def test_engineering_commands_refused_without_the_jumper():
    rig = Rig()
    assert rig.console("cal voltage 231.5") == ["ERR calibration refused: engineering jumper not fitted"]
    assert rig.console("relaytest") == ["ERR relay test refused: engineering jumper not fitted"]


def test_relay_test_with_the_jumper_opens_then_restores():
    rig = Rig(engineering=True)
    assert rig.enter_token(credit(5_100_020, 10)) == R.ACCEPT
    assert rig.parts.relay_closed()
    _ok(rig.console("relaytest"))
    assert not rig.parts.relay_closed()
    rig.advance(15)
    assert rig.parts.relay_closed()


def test_loglevel_changes_what_is_logged():
    rig = Rig()
    assert _ok(rig.console("loglevel")) == ["loglevel=info"]
    assert _ok(rig.console("loglevel error")) == ["loglevel=error"]
    before = len(rig.log_lines)
    rig.console("token " + credit(5_100_030, 10))
    assert len(rig.log_lines) == before  # info lines suppressed


def test_calibration_with_the_jumper_is_applied_and_survives_reboot():
    rig = Rig(engineering=True, load_w=0)
    rig.advance(2)
    before = dict(line.split("=", 1) for line in _ok(rig.console("status")))["voltage_v"]
    assert before == "230.00"
    lines = _ok(rig.console("cal voltage 232.30"))  # a reference meter reads 232.30 V
    assert lines and all("->" in line for line in lines)
    rig.advance(2)
    after = dict(line.split("=", 1) for line in _ok(rig.console("status")))["voltage_v"]
    assert abs(int(after.replace(".", "")) - 23230) <= 5, after
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, engineering=True)
    again.advance(2)
    kept = dict(line.split("=", 1) for line in _ok(again.console("status")))["voltage_v"]
    assert abs(int(kept.replace(".", "")) - 23230) <= 5, kept
    assert again.console("cal voltage 23x")[-1].startswith("ERR bad arguments for cal")


def test_reboot_saves_consumption_and_logs_power_down_first():
    rig = Rig(load_w=1000)
    rig.console("token " + credit(5_100_040, 10))
    rig.advance(21)  # about 6 Wh used: below the 10 Wh save step, so not yet on flash
    assert rig.state.unsaved_wh > 0
    restarts = []
    rig.system.console.reboot = lambda: restarts.append(rig.state.unsaved_wh)
    assert _ok(rig.console("reboot")) == ["rebooting"]
    assert restarts == [0]  # everything was on flash before the restart
    assert _ok(rig.console("log 1"))[0].endswith("power down reason=1")


def test_calibration_that_would_leave_the_datasheet_range_refuses_and_changes_nothing():
    rig = Rig(engineering=True, load_w=0)
    rig.advance(2)
    out = rig.console("cal voltage 400.00")  # would need Ugain 0xB359: bit 15 must be 0
    assert len(out) == 1 and "Ugain" in out[0] and "outside 1..0x7FFF" in out[0], out
    assert rig.meter.ic.calibration["Ugain"] == 0x6720 and rig.state.calibration in (None, {})
    rig.advance(2)
    assert dict(line.split("=", 1) for line in _ok(rig.console("status")))["voltage_v"] == "230.00"
