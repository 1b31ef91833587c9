# The customer-side record on flash: the last known wall time, the evidence
# figures' marks and the customer's alarm settings.  One small JSON record in
# two slots ("memo.0"/"memo.1", newest sequence wins), rewritten in place like
# the store's energy record: littlefs commits it atomically at close and the
# other slot keeps the previous generation.  A corrupt slot is ignored (the
# figures restart; credit and energy are the store's, never in here).
import json

from store import record

KIND = b"U"
PREFIX = "memo."


class Memo:
    def __init__(self, volume):
        self.volume = volume  # store.volume.Volume (mounted by MeterState.boot)
        self.seq = 0
        self.errors = 0

    def load(self):
        """The newest good record as a dict ({} if none)."""
        best, best_seq = {}, -1
        for slot in (0, 1):
            framed = record.decode(self.volume.read(PREFIX + str(slot)), KIND)
            if framed is None or framed[0] <= best_seq:
                continue
            try:
                doc = json.loads(bytes(framed[1]).decode())
            except ValueError:
                continue
            if isinstance(doc, dict):
                best, best_seq = doc, framed[0]
        self.seq = best_seq if best_seq > 0 else 0
        return best

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
