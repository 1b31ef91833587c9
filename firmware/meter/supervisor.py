# The watchdog's only feeder.  Every essential task reports progress after each
# step; the supervisor feeds the hardware watchdog only while each of them has
# reported within its limit.  A task that blocks the loop stops everything, the
# feeding too, and the watchdog resets the board; a task that stops without
# blocking (dead after too many crashes, or waiting forever) is noticed here,
# announced in the reset record, and the feeding stops.
#
# A task that raises is logged and restarted after a growing pause (1, 2, 4 s);
# after _MAX_CRASHES crashes without a calm _CALM_MS between them it stays down,
# which ends in a watchdog reset (and, repeated, in safe mode: meter.resets).
from micropython import const

_CHECK_MS = const(1000)  # how often the supervisor looks (and feeds)
_MIN_SILENCE_MS = const(20000)  # a task is stalled after this long without progress (or 3 periods)
_MAX_CRASHES = const(4)
_CALM_MS = const(600000)  # a crash this long after the previous one starts a new count
_MAX_BACKOFF_MS = const(4000)


class Task:
    def __init__(self, name, period_ms, step, now, wait=None):
        self.name = name
        self.period_ms = period_ms
        self.step = step  # fn() -> truthy to run again at once (the console while bytes arrive)
        self.wait = wait  # async fn() between steps instead of a period's sleep (the UI task's wake-up)
        self.limit_ms = max(_MIN_SILENCE_MS, 3 * period_ms)
        self.last_ms = now
        self.crashes = 0
        self.last_crash_ms = now
        self.fault = None  # fn() run instead of the next step (the simulator's fault injection)
        self.dead = False


class Supervisor:
    def __init__(self, ticks, log, on_stall=None, on_crash=None):
        self.ticks = ticks  # ticks_ms() / ticks_diff(): the time the watchdog counts in
        self.log = log
        self.on_stall = on_stall  # fn(task name): the feeding stops now (record why); fn(None): it resumed
        self.on_crash = on_crash  # fn(task name, crash count)
        self.watchdog = None  # .feed(); None until start()
        self.tasks = []  # type: list
        self.stalled = None
        self.feeds = 0

    def add(self, name, period_ms, step, wait=None):
        task = Task(name, period_ms, step, self.ticks.ticks_ms(), wait)
        self.tasks.append(task)
        return task

    def task(self, name):
        for task in self.tasks:
            if task.name == name:
                return task
        return None

    def start(self, watchdog):
        self.watchdog = watchdog
        self.watchdog.feed()

    def progress(self, task):
        task.last_ms = self.ticks.ticks_ms()

    def all_progressed(self):
        """Everything ran (the simulator's synchronous step)."""
        for task in self.tasks:
            if not task.dead:
                self.progress(task)

    def silent(self):
        """The first task that has not progressed within its limit, or None."""
        now = self.ticks.ticks_ms()
        for task in self.tasks:
            if task.dead or self.ticks.ticks_diff(now, task.last_ms) > task.limit_ms:
                return task
        return None

    def check(self):
        """Feed the watchdog if every task is alive; True if fed."""
        task = self.silent()
        if task is None:
            if self.stalled is not None and self.on_stall is not None:
                self.on_stall(None)  # it came back before the reset: nothing to record
            self.stalled = None
            if self.watchdog is not None:
                self.watchdog.feed()
                self.feeds += 1
            return True
        if self.stalled is not task:
            self.stalled = task
            self.log.error("task %s %s: watchdog not fed, the meter will reset"
                           % (task.name, "stopped" if task.dead else "silent"))
            if self.on_stall is not None:
                self.on_stall(task.name)
        return False

    def crashed(self, task, exc):
        """A step raised: count it; returns the pause before the restart, or -1
        when the task stays down."""
        now = self.ticks.ticks_ms()
        if self.ticks.ticks_diff(now, task.last_crash_ms) > _CALM_MS:
            task.crashes = 0
        task.crashes += 1
        task.last_crash_ms = now
        self.log.error("task %s crashed (%d of %d): %r" % (task.name, task.crashes, _MAX_CRASHES, exc))
        if self.on_crash is not None:
            self.on_crash(task.name, task.crashes)
        if task.crashes >= _MAX_CRASHES:
            task.dead = True
            return -1
        return min(_MAX_BACKOFF_MS, 1000 << (task.crashes - 1))

    def run_step(self, task):
        """One step of task (or its injected fault); returns the step's result."""
        fault = task.fault
        if fault is not None:
            task.fault = None
            fault()
        again = task.step()
        self.progress(task)
        return again

    async def run(self, task):
        """The task's loop: step, report progress, sleep; restart after a crash."""
        import asyncio

        while not task.dead:
            try:
                again = self.run_step(task)
            except Exception as exc:  # a crashed step: restart after a pause (bounded)
                pause = self.crashed(task, exc)
                if pause < 0:
                    return
                await asyncio.sleep_ms(pause)
                continue
            if again:
                await asyncio.sleep_ms(0)
            elif task.wait is not None:
                await task.wait()
            else:
                await asyncio.sleep_ms(task.period_ms)

    async def watch(self):
        import asyncio

        while True:
            try:
                self.check()
            except Exception as exc:  # e.g. the record not written: feeding goes on as checked
                self.log.error("supervisor: %r" % (exc,))
            await asyncio.sleep_ms(_CHECK_MS)
