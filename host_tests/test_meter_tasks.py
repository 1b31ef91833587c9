# lanes: micropython-unix
# mp-heapsize: 184wK
# System.run's real asyncio tasks, on real time (the simulator's clock): a key
# pressed on the keypad model reaches the LCD model through the keypad task,
# the wake-up event and the UI task.  No timing is asserted here (make bench
# measures key press to LCD on simulated time).
import asyncio

from sim import SimClock
from support.rig import Rig


def test_a_key_on_the_matrix_reaches_the_glass_through_the_running_tasks():
    rig = Rig(clock=SimClock(1, 1_700_000_000))
    seen = []

    async def finger():
        runner = asyncio.create_task(rig.system.run())
        await asyncio.sleep_ms(100)
        for key, expected in (("4", "4"), ("2", "42")):
            rig.parts.keypad.press(key)
            for _ in range(120):  # held until the glass shows it (a loaded host may be slow), < 1.5 s long press
                await asyncio.sleep_ms(10)
                if rig.lcd()[0] == expected:
                    break
            rig.parts.keypad.release(key)
            seen.append(rig.lcd()[0])
            await asyncio.sleep_ms(100)
        runner.cancel()

    asyncio.run(finger())
    assert seen == ["4", "42"]
    assert rig.lcd()[1].endswith("2/20")
