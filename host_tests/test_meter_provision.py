# lanes: cpython micropython-unix
# mp-heapsize: 173wK
# mp-compiled: yes
# The provisioning file: validated completely (an object; integers that are
# integers), a rejected file is put aside with the reason logged so it never
# stops a boot twice, and re-provisioning never re-opens used tokens.  (The
# wrong-token order is in test_meter_wrong_token.py.)
from meter import provision
from sts import results as R
from support.checks import raises
from support.rig import Rig
from support.vend import DEMO_PROVISION, credit


def _doc(**changes):
    doc = dict(DEMO_PROVISION)
    doc.update(changes)
    return doc


def test_parse_refuses_wrong_types_with_a_value_error():
    for bad in (_doc(base_date=2014.0), _doc(base_date=True), _doc(krn=1.0), _doc(kt=False), _doc(ken="255"),
                _doc(ea=7), _doc(ea=["07"]), _doc(pan=600727000000000009), _doc(decoder_key=None),
                [DEMO_PROVISION], "provision", 42, 2014.0, None, {}):
        raises(ValueError, provision.parse, bad)
    keys, pan = provision.parse(_doc())
    assert keys.base_date == 2014 and isinstance(keys.base_date, int) and pan == DEMO_PROVISION["pan"]


def test_a_float_base_date_is_rejected_at_import_and_the_meter_keeps_working():
    rig = Rig(provision=_doc(base_date=2014.0))
    assert not rig.state.provisioned and rig.provisioning[0].startswith("rejected: base_date")
    assert any("provisioning file rejected" in line for line in rig.log_lines)
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock)  # a good file now: imported, and the store is whole
    assert again.state.provisioned and again.provisioning == ["done"]
    assert again.enter_token(credit(6_100_001, 10)) == R.ACCEPT
    flash, clock = again.power_cut()
    third = Rig(flash=flash, clock=clock, provision=None)
    assert third.state.credit_wh == 1000 and third.console("status")[-1] == "OK"


def test_a_provisioning_file_that_is_not_an_object_never_stops_a_boot():
    for doc in ([1, 2], "text", 7, 1.5, True):
        rig = Rig(provision=doc)  # unprovisioned: parsed, rejected, put aside
        assert not rig.state.provisioned and rig.provisioning[0].startswith("rejected: "), doc
        flash, clock = rig.power_cut()
        again = Rig(flash=flash, clock=clock, provision=doc)  # provisioned meter, no jumper: ignored
        assert again.state.provisioned is False
    rig = Rig()
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, provision=[1, 2])  # provisioned meter, no jumper: ignored
    assert again.state.provisioned and again.console("status")[-1] == "OK"


def test_rejected_file_is_renamed_aside():
    import os

    from meter.hardware import provisioning_file

    path = "/tmp/sts-provision-%d.json" % (id(path_holder) & 0xFFFFFF)
    with open(path, "w") as f:
        f.write("[1, 2, 3]")
    read, done, reject = provisioning_file(path)
    assert read() == [1, 2, 3]
    reject("provisioning file must hold one JSON object")
    aside = path[:-5] + ".rejected"
    assert read() is None and open(aside).read() == "[1, 2, 3]"
    os.remove(aside)


path_holder = []


def test_reprovisioning_with_the_jumper_keeps_credit_and_used_tokens():
    rig = Rig()
    token = credit(6_100_002, 10)
    assert rig.enter_token(token) == R.ACCEPT
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, engineering=True)  # the same file again, jumper fitted
    assert again.provisioning == ["done"] and again.state.credit_wh == 1000
    assert again.enter_token(token) == R.USED and again.state.credit_wh == 1000
