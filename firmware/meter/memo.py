# The customer-side record on flash: the last known wall time, the evidence
# figures' marks and the customer's alarm settings.  One small JSON record in
# two slots ("memo.0"/"memo.1", newest sequence wins), rewritten in place like
# the store's energy record: littlefs commits it atomically at close and the
# other slot keeps the previous generation.  A corrupt slot is ignored (the
# figures restart; credit and energy are the store's, never in here).
# Read once at boot, by meter.customer_setup (an overlay).
import json

from store import record

KIND = b"U"
PREFIX = "memo."


class Memo:
    def __init__(self, volume):
        self.volume = volume  # store.volume.Volume (mounted by MeterState.boot)
        self.seq = 0  # set by meter.customer_setup.load_memo
        self.errors = 0

    def save(self, doc):
        """Write doc as the next generation; False on a storage error."""
        self.seq += 1
        data = record.encode(KIND, self.seq, json.dumps(doc).encode())
        try:
            self.volume.write_in_place(PREFIX + str(self.seq & 1), data)
        except OSError:
            self.errors += 1
            return False
        return True
