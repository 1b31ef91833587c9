"""tools/console.py against a fake meter console on a pty and on a TCP socket.

cpython lane only (threads, ptys, subprocesses).
"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import tty

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))  # appended: tools/sts.py must not shadow firmware/sts

import console  # noqa: E402

STATUS = [("credit_wh", "12500"), ("relay", "closed"), ("relay_reason", "credit"), ("power_w", "230"),
          ("voltage_v", "231.50"), ("energy_wh", "-0"), ("lockout_s", "0"), ("tids", "3"), ("krn", "1"),
          ("kt", "2"), ("ti", "01"), ("sgc", "123456"), ("ken", "255"), ("base_date", "2014"), ("ea", "07"),
          ("last_result", "0 Accept")]


def meter_reply(line):
    """What the meter's console answers to one command line."""
    words = line.split()
    if not words:
        return ["OK"]
    if words[0] == "status":
        return ["%s=%s" % kv for kv in STATUS] + ["OK"]
    if words[0] == "lcd":
        return ["[info] key 5", "CREDIT  12.5kWh", "                ", "OK"]  # a log line in the middle
    if words[0] == "hang":
        return []  # never answers: the client must time out
    if words[0] == "slow":
        return ["part 1", "part 2"]  # starts a reply, never ends it
    if words[0] == "log":
        return ["41 t=1764756000 token rejected code=13 tid=6795855", "42 t=1764756060 power up seq=7", "OK"]
    if words[0] == "tids":
        return ["count=2", "5100010", "5100011", "OK"]
    if words[0] == "token":
        return ["result=1 Accept", "Accept +12.5kWh", "Credit 12.5kWh", "OK"]
    if words[0] == "help":
        from meter.con_help import HELP

        return list(HELP) + ["OK"]
    return ["ERR unknown command '%s' (try: help)" % words[0]]


class FakeConsole(threading.Thread):
    """Serves meter_reply over a byte stream (pty master or socket) until stopped."""

    def __init__(self, read, write, echo=False):
        super().__init__(daemon=True)
        self.read, self.write, self.echo = read, write, echo
        self.received = []
        self.stopped = False

    def run(self):
        pending = b""
        while not self.stopped:
            data = self.read()
            if data is None:
                continue
            if not data:
                return
            pending += data
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                line = raw.decode().strip("\r")
                self.received.append(line)
                out = ([line] if self.echo else []) + meter_reply(line)
                self.write("".join(text + "\r\n" for text in out).encode())


def _pty_console(echo=False):
    master, slave = os.openpty()
    tty.setraw(slave)

    def read():
        if not select.select([master], [], [], 0.05)[0]:
            return None
        try:
            return os.read(master, 1024)
        except OSError:
            return b""

    server = FakeConsole(read, lambda data: os.write(master, data), echo)
    server.start()
    return server, os.ttyname(slave), (master, slave)


@pytest.fixture
def pty_console():
    server, path, fds = _pty_console()
    yield server, path
    server.stopped = True
    server.join(2)
    for fd in fds:
        os.close(fd)


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "console.py")] + list(args),
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_one_shot_status_prints_the_reply(pty_console):
    server, path = pty_console
    proc = run_cli(path, "status")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["%s=%s" % kv for kv in STATUS] + ["OK"]
    assert server.received == ["status"]


def test_json_status_is_one_object_with_numbers_and_exact_text(pty_console):
    _, path = pty_console
    proc = run_cli("--json", path, "status")
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert list(status) == [k for k, _ in STATUS]
    assert status["credit_wh"] == 12500 and status["base_date"] == 2014 and status["lockout_s"] == 0
    assert status["relay"] == "closed" and status["last_result"] == "0 Accept"
    # digit strings that are identities, or that carry leading zeros, keep every digit
    assert status["ti"] == "01" and status["sgc"] == "123456" and status["ea"] == "07"
    assert status["energy_wh"] == "-0"
    assert status["voltage_v"] == 231.5  # a decimal is a number too


@pytest.mark.parametrize("command,expected", [
    ("log", [{"seq": 41, "t": 1764756000, "kind": "token rejected", "fields": {"code": 13, "tid": 6795855}},
             {"seq": 42, "t": 1764756060, "kind": "power up", "fields": {"seq": 7}}]),
    ("tids", {"count": 2, "tids": [5100010, 5100011]}),
    ("token 12345678901234567890", {"result": 1, "name": "Accept", "lcd": ["Accept +12.5kWh", "Credit 12.5kWh"]}),
    ("lcd", {"ok": True, "lines": ["CREDIT  12.5kWh", "                "], "error": None}),
])
def test_json_for_every_command(pty_console, command, expected):
    _, path = pty_console
    proc = run_cli(path, "--json", *command.split())
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected


def test_log_lines_are_not_part_of_a_reply(pty_console):
    _, path = pty_console
    proc = run_cli(path, "lcd")
    assert proc.stdout.splitlines() == ["CREDIT  12.5kWh", "                ", "OK"]
    client = console.ConsoleClient(path)
    try:
        reply = client.command("lcd")
        assert reply.log == ["[info] key 5"] and reply.lines == ["CREDIT  12.5kWh", "                "]
    finally:
        client.close()


def test_no_arguments_says_the_port_is_needed_and_the_command_optional():
    proc = run_cli()
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: console.py PORT")
    assert "the command is optional" in proc.stderr and "required: port, command" not in proc.stderr


def test_timeout_prints_the_lines_that_did_arrive(pty_console):
    _, path = pty_console
    proc = run_cli("--timeout", "0.5", path, "slow")
    assert proc.returncode == 3
    assert proc.stdout.splitlines() == ["part 1", "part 2"]
    assert "(got 2 line(s), shown above)" in proc.stderr


def _default_sigint():
    # A test run started in the background (`cmd &`, nohup) ignores SIGINT, and
    # children inherit that; the tool is meant for a terminal, where it is not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_after(proc, marker, stream):
    """Read stream until marker, then Ctrl-C (SIGINT) the process; return what was read."""
    got = ""
    deadline = time.monotonic() + 20
    while marker not in got and time.monotonic() < deadline:
        if select.select([stream], [], [], 0.2)[0]:
            got += os.read(stream.fileno(), 4096).decode()
    proc.send_signal(signal.SIGINT)
    return got


def test_follow_streams_log_lines_and_replies_and_ctrl_c_leaves_cleanly(pty_console):
    server, path = pty_console
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "console.py"), path, "--follow"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)
    try:
        time.sleep(1.0)  # connected
        server.write(b"[info] relay closed (credit)\r\n")  # the meter logs by itself
        proc.stdin.write(b"status\n")
        proc.stdin.close()
        out = _interrupt_after(proc, "lockout_s=0", proc.stdout)
        proc.wait(timeout=10)
        out += proc.stdout.read().decode()
        err = proc.stderr.read()
    finally:
        proc.kill()
    assert "[info] relay closed (credit)" in out and "credit_wh=12500" in out
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert server.received == ["status"]


def test_ctrl_c_while_waiting_leaves_cleanly(pty_console):
    _, path = pty_console
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "console.py"), path, "--timeout", "30",
                             "hang"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_sigint)
    try:
        time.sleep(1.5)  # connected and waiting for a reply that never comes
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_completion_words_come_from_the_meters_help():
    from meter.con_help import HELP

    words = console.command_words(HELP)
    assert {"status", "token", "log", "cal", "loglevel", "reboot"} <= set(words)
    assert words["cal"] == ["voltage", "current", "power"]
    assert words["loglevel"] == ["error", "warn", "info", "debug"]
    assert words["status"] == []


def test_err_reply_exits_1_with_the_reason(pty_console):
    _, path = pty_console
    proc = run_cli(path, "frobnicate", "now")
    assert proc.returncode == 1
    assert proc.stdout.strip() == "ERR unknown command 'frobnicate' (try: help)"
    proc = run_cli("--json", path, "frobnicate")
    assert json.loads(proc.stdout) == {"ok": False, "lines": [], "error": "unknown command 'frobnicate' (try: help)"}


def test_timeout_is_a_clear_error(pty_console):
    _, path = pty_console
    proc = run_cli("--timeout", "0.5", path, "hang")
    assert proc.returncode == 3
    assert "no OK/ERR from %s within 0.5 s after 'hang'" % path in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_port_is_a_clear_error():
    proc = run_cli("/dev/no-such-console", "status")
    assert proc.returncode == 3 and "/dev/no-such-console does not exist (serial ports: " in proc.stderr


def test_echoing_console_and_blank_reply_lines():
    server, path, fds = _pty_console(echo=True)
    try:
        client = console.ConsoleClient(path, timeout=5)
        reply = client.command("lcd")
        assert reply.ok and reply.lines == ["CREDIT  12.5kWh", "                "]
        reply = client.command("status")
        assert console.parse_status(reply.lines)["credit_wh"] == 12500
        client.close()
    finally:
        server.stopped = True
        server.join(2)
        for fd in fds:
            os.close(fd)


def test_interactive_session_reads_commands_until_eof(pty_console, tmp_path):
    server, path = pty_console
    env_home = dict(os.environ, HOME=str(tmp_path))  # the history file goes to this HOME
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "console.py"), path],
                          input="lcd\n\nnope\nstatus\n", capture_output=True, text=True, timeout=60, env=env_home)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "CREDIT  12.5kWh" in out and "ERR unknown command 'nope'" in out and "credit_wh=12500" in out
    assert server.received == ["lcd", "nope", "status"]  # the blank line is not sent


def test_socket_url():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted = {}

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(0.05)
        accepted["conn"] = conn

        def read():
            try:
                return conn.recv(1024)
            except socket.timeout:
                return None

        FakeConsole(read, conn.sendall).run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        proc = run_cli("--json", "socket://127.0.0.1:%d" % port, "status")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["relay_reason"] == "credit"
    finally:
        thread.join(5)
        listener.close()
        if "conn" in accepted:
            accepted["conn"].close()


def test_loop_url_sees_only_its_own_echo_and_times_out():
    client = console.ConsoleClient("loop://", timeout=0.3)
    with pytest.raises(console.ConsoleTimeout) as err:
        client.command("status")
    assert "got nothing" in str(err.value)  # the looped-back command was recognised as an echo
    client.close()


def test_parse_status_rejects_a_line_without_equals():
    with pytest.raises(console.ConsoleError):
        console.parse_status(["credit_wh=1", "garbage"])
    assert console.parse_status(["a=1=2", "b=-5", "c=007"]) == {"a": "1=2", "b": -5, "c": "007"}
